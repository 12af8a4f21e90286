import Foundation
import Testing
@testable import TakeoffArchive
@testable import TakeoffIO
@testable import TakeoffCore
@testable import TakeoffStore
import TakeoffWorkloads

/// A snapshot larger than one frame is written as many zstd frames and read back piece by piece, and it
/// gives back the very state it was taken from.
@Suite struct SnapshotStreamingTests {
    @Test func aLargeStateTravelsInManyFrames() throws {
        let root = NSTemporaryDirectory() + "takeoff-snapshot-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        for name in ["source", "restored"] { try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true) }
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .uniform, accounts: 100_000, signed: false))
        let source = try LMDBStateStore(directory: root + "/source", syncOnCommit: false)
        let genesis = try source.initializeGenesis(streaming: generator.genesisChunks(size: 10_000))

        let file = root + "/state.snapshot"
        let exported = try SnapshotFile.export(from: source, to: file)
        #expect(exported.head == genesis.head && exported.entries == 100_000)
        let compressed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let contents = try Zstd.decompress(compressed)
        // About 5.9 MB of contents in frames of about 1 MiB, then the checksum's own frame.
        #expect(try Zstd.frameCount(compressed) == (contents.count - 32 + FramedStreamWriter.frameBytes - 1) / FramedStreamWriter.frameBytes + 1)
        #expect(try Zstd.frameCount(compressed) >= 6)
        #expect(Hash32.sha256(contents.dropLast(32)).bytes == Array(contents.suffix(32)))

        let restored = try LMDBStateStore(directory: root + "/restored", syncOnCommit: false)
        #expect(try SnapshotFile.importSnapshot(from: file, into: restored) == genesis.head)
        #expect(try restored.keyCount() == 100_000)
        #expect(try restored.recomputeCommitment() == genesis.commitment)
        var sourceEntries: [(StateKey, StateValue)] = []
        try source.forEachEntry { sourceEntries.append(($0, $1)) }
        var index = 0
        try restored.forEachEntry { key, value in
            #expect(key == sourceEntries[index].0 && value == sourceEntries[index].1)
            index += 1
        }
    }

    @Test func aSnapshotCutShortIsRefusedWherever() throws {
        let root = NSTemporaryDirectory() + "takeoff-snapshot-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/source", withIntermediateDirectories: true)
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .uniform, accounts: 40_000, signed: false))
        let source = try LMDBStateStore(directory: root + "/source", syncOnCommit: false)
        try source.initializeGenesis(streaming: generator.genesisChunks())
        let file = root + "/state.snapshot"
        try SnapshotFile.export(from: source, to: file)
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        // Cut inside the first frame, between frames, inside the last entries, and just before the checksum.
        for (index, length) in [100, whole.count / 2, whole.count - 60, whole.count - 1].enumerated() {
            let cut = root + "/cut-\(index).snapshot"
            try Data(whole.prefix(length)).write(to: URL(fileURLWithPath: cut))
            let target = root + "/target-\(index)"
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            let store = try LMDBStateStore(directory: target, syncOnCommit: false)
            #expect(throws: SnapshotError.self, "cut at \(length) of \(whole.count)") { try SnapshotFile.importSnapshot(from: cut, into: store) }
            #expect(try store.head() == nil)
        }
    }
}
