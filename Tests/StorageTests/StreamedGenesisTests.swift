import Foundation
import Testing
@testable import TakeoffCore
@testable import TakeoffStore

/// A genesis streamed into the store chunk by chunk gives the store, the header and the commitment that the
/// whole genesis at once gives, pulls its chunks one at a time, and recovers from a load cut off midway.
@Suite struct StreamedGenesisTests {
    static let entryCount = 50_000
    static let chunkSize = 4_096

    /// Entries `range` of a genesis of accounts and token balances, in increasing key order.
    static func entries(_ range: Range<Int>) -> [(StateKey, StateValue)] {
        range.map { (StateKey.account(Address(space: 9, index: UInt64($0))), StateValue.account(Account(balance: UInt128($0 + 1)))) }
    }

    /// Chunks of `entries`, counting how many were pulled and the largest.
    final class CountedChunks: Sequence {
        let chunkSize: Int
        let total: Int
        private(set) var pulled = 0
        private(set) var largest = 0
        private(set) var entriesPulled = 0

        init(total: Int, chunkSize: Int) {
            self.total = total
            self.chunkSize = chunkSize
        }

        func makeIterator() -> AnyIterator<[(StateKey, StateValue)]> {
            var start = 0
            return AnyIterator {
                guard start < self.total else { return nil }
                let chunk = StreamedGenesisTests.entries(start..<Swift.min(self.total, start + self.chunkSize))
                start += chunk.count
                self.pulled += 1
                self.largest = Swift.max(self.largest, chunk.count)
                self.entriesPulled += chunk.count
                return chunk
            }
        }
    }

    @Test func streamedGenesisEqualsTheWholeGenesis() throws {
        let whole = Genesis(entries: Self.entries(0..<Self.entryCount))
        let directory = try TemporaryDirectory()
        let store = try LMDBStateStore(directory: directory.path)
        let chunks = CountedChunks(total: Self.entryCount, chunkSize: Self.chunkSize)
        let summary = try store.initializeGenesis(streaming: chunks)

        #expect(chunks.pulled == (Self.entryCount + Self.chunkSize - 1) / Self.chunkSize)
        #expect(chunks.largest == Self.chunkSize)
        #expect(chunks.entriesPulled == Self.entryCount)
        #expect(summary.entryCount == Self.entryCount)
        #expect(summary.header == whole.header)
        #expect(summary.commitment == whole.commitment)
        #expect(try store.head() == whole.head)
        var stored = 0
        try store.forEachEntry { key, value in
            #expect(key == Self.entries(stored..<stored + 1)[0].0 && value == Self.entries(stored..<stored + 1)[0].1)
            stored += 1
        }
        #expect(stored == Self.entryCount)
        #expect(try store.recomputeCommitment() == whole.commitment)
    }

    @Test func builderTakesChunksOfAnySize() throws {
        let entries = Self.entries(0..<1_000)
        var builder = GenesisBuilder()
        var start = 0
        for size in [1, 0, 7, 500, 492] {
            try builder.add(Array(entries[start..<start + size]))
            start += size
        }
        #expect(builder.finish() == Genesis(entries: entries).summary)
    }

    @Test func keysOutOfOrderAcrossChunksAreRefused() throws {
        var builder = GenesisBuilder()
        try builder.add(Self.entries(10..<20))
        #expect(throws: GenesisError.unsortedKeys(key: Self.entries(19..<20)[0].0, after: Self.entries(19..<20)[0].0)) {
            try builder.add(Self.entries(19..<30))
        }
        // The refused chunk added nothing: the rest still follows on.
        try builder.add(Self.entries(20..<30))
        #expect(builder.finish() == Genesis(entries: Self.entries(10..<30)).summary)
    }

    @Test func aLoadCutOffMidwayLeavesNoHeadAndLoadsAgain() throws {
        let directory = try TemporaryDirectory()
        do {
            let store = try LMDBStateStore(directory: directory.path)
            // The third chunk goes back to key 0: the load stops there, after two chunks were written.
            let chunks = [Self.entries(0..<100), Self.entries(100..<200), Self.entries(0..<100)]
            #expect(throws: GenesisError.unsortedKeys(key: Self.entries(0..<1)[0].0, after: Self.entries(199..<200)[0].0)) {
                try store.initializeGenesis(streaming: chunks)
            }
            #expect(try store.head() == nil)
        }
        let store = try LMDBStateStore(directory: directory.path)
        let summary = try store.initializeGenesis(streaming: [Self.entries(0..<150), Self.entries(150..<300)])
        #expect(summary.head == Genesis(entries: Self.entries(0..<300)).head)
        var stored = 0
        try store.forEachEntry { _, _ in stored += 1 }
        #expect(stored == 300)
        #expect(throws: StateStoreFault.alreadyLoaded(location: directory.path, head: 0)) {
            try store.initializeGenesis(streaming: [Self.entries(0..<1)])
        }
    }

    @Test func aStreamedSnapshotMustMatchItsHead() throws {
        let source = Genesis(entries: Self.entries(0..<1_000))
        let directory = try TemporaryDirectory()
        let store = try LMDBStateStore(directory: directory.path)
        #expect(throws: StateStoreFault.self) {
            var short = [Self.entries(0..<500), Self.entries(500..<999)].makeIterator()
            try store.loadSnapshot(head: source.head) { short.next() }
        }
        #expect(try store.head() == nil)
        var chunks = [Self.entries(0..<500), Self.entries(500..<1_000)].makeIterator()
        try store.loadSnapshot(head: source.head) { chunks.next() }
        #expect(try store.head() == source.head)
    }
}
