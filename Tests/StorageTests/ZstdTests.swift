import Testing
@testable import Takeoff
@testable import TakeoffIO
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

@Suite struct ZstdTests {
    @Test func roundTripsAndConcatenatedFrames() throws {
        let first = Array(repeating: Array("takeoff ".utf8), count: 1000).flatMap { $0 }
        let second = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let frames = try Zstd.compress(first) + Zstd.compress(second)
        #expect(try Zstd.compress(first).count < first.count / 10)
        #expect(try Zstd.decompress(frames) == first + second)
        #expect(try Zstd.decompress(try Zstd.compress([])) == [])
    }

    @Test func aPrefixNeedsOnlyTheStartOfTheFrame() throws {
        let content = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let frame = try Zstd.compress(content)
        #expect(try Zstd.decompressPrefix(frame, count: 100) == Array(content.prefix(100)))
        #expect(try Zstd.decompressPrefix(try Zstd.compress([1, 2]), count: 100) == [1, 2])
    }

    @Test func truncatedAndCorruptFramesAreErrors() throws {
        let frame = try Zstd.compress((0..<20_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        #expect(throws: (any Error).self) { try Zstd.decompress(Array(frame.prefix(frame.count - 3))) }
        var flipped = frame
        flipped[0] ^= 0xFF
        #expect(throws: (any Error).self) { try Zstd.decompress(flipped) }
        #expect(throws: (any Error).self) { try Zstd.decompress(frame, limit: 100) }
    }
}
