import CMemoryHints
import Testing

/// The allocator's cache of freed tables: a table of a size freed recently gets that memory back (its pages
/// still mapped), and the cache never holds more than its stated bound.
///
/// Serialized: the cache is one per process, and other suites' tables pass through it too, so the checks
/// are on pointers this suite allocated, not on exact byte counts.
@Suite(.serialized) struct TableMemoryCacheTests {
    @Test func aFreedTableOfTheSameSizeComesBack() throws {
        // A size no executor table has (not a power of two times a stride), so no other suite takes it first.
        let bytes = (3 << 20) + 4_096 * 7
        let first = try #require(takeoff_allocate_table(bytes))
        first.storeBytes(of: 0xAB, as: UInt8.self)
        takeoff_free_table(first, bytes)
        let second = try #require(takeoff_allocate_table(bytes))
        #expect(second == first)
        // The memory is handed back as it was left: nothing zeroes it again.
        #expect(second.load(as: UInt8.self) == 0xAB)
        takeoff_free_table(second, bytes)
    }

    @Test func aDifferentSizeGetsFreshMemory() throws {
        let bytes = (5 << 20) + 4_096 * 3
        let first = try #require(takeoff_allocate_table(bytes))
        let other = try #require(takeoff_allocate_table(bytes + 4_096))
        #expect(other != first)
        takeoff_free_table(first, bytes)
        takeoff_free_table(other, bytes + 4_096)
    }

    @Test func theCacheStaysWithinItsBound() throws {
        // Free more than the bound in blocks it accepts: the oldest are released, never more is held.
        let bytes = 32 << 20
        let blocks = (0..<(takeoff_table_cache_bytes / bytes + 4)).map { _ in takeoff_allocate_table(bytes)! }
        for block in blocks {
            takeoff_free_table(block, bytes)
            #expect(takeoff_table_cache_held_bytes() <= takeoff_table_cache_bytes)
        }
        // Full, give or take what other suites took from it or freed into it meanwhile.
        #expect(takeoff_table_cache_held_bytes() >= takeoff_table_cache_bytes / 2)
    }
}
