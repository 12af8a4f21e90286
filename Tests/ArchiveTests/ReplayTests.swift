import Foundation
import Testing
@testable import Takeoff
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

@Suite struct ReplayTests {
    @Test(arguments: [ReplayMode.execute, .apply])
    func replayIntoAFreshStoreReachesTheSameHead(mode: ReplayMode) throws {
        let fixture = try ArchiveFixture(blocks: 9)
        let original = try #require(try fixture.head(of: fixture.storePath))
        let path = try fixture.freshStorePath("replayed")
        let report = try fixture.replay(into: path, mode: mode)
        #expect(try fixture.head(of: path) == original)
        #expect(report.fromBlock == 1 && report.toBlock == 9 && report.blocks == 9)
        #expect(report.transactions == fixture.transactionCount)
        #expect(report.stateCommitment == original.commitment.digest.hex)
        // Execute mode checks every block; apply mode (windows of 4) the last block of each window.
        #expect(report.verifiedBlocks == (mode == .execute ? 9 : 3))
        #expect(try LMDBStateStore(directory: path).recomputeCommitment() == original.commitment)
    }

    @Test(arguments: [ReplayMode.execute, .apply])
    func rangesAndResumeNeverApplyABlockTwice(mode: ReplayMode) throws {
        let fixture = try ArchiveFixture(blocks: 8)
        let path = try fixture.freshStorePath("ranges")
        let first = try fixture.replay(into: path, mode: mode, to: 3)
        #expect(first.toBlock == 3)
        #expect(try fixture.head(of: path)?.block == 3)
        #expect(try fixture.head(of: path)?.commitment.digest == fixture.headers[3].stateCommitment)
        // An interrupted replay resumes from the head; a --from before it skips what is already applied.
        let second = try fixture.replay(into: path, mode: mode, from: 2, to: 5)
        #expect(second.fromBlock == 4 && second.toBlock == 5 && second.skippedBlocks == 2)
        let third = try fixture.replay(into: path, mode: mode)
        #expect(third.fromBlock == 6 && third.toBlock == 8)
        #expect(try fixture.head(of: path)?.blockHash == fixture.headers[8].hash)
        let nothing = try fixture.replay(into: path, mode: mode)
        #expect(nothing.blocks == 0 && nothing.fromBlock == nil)
    }

    @Test func startingPastTheHeadOrTheArchiveIsRefused() throws {
        let fixture = try ArchiveFixture(blocks: 3)
        let path = try fixture.freshStorePath("gap")
        _ = try fixture.replay(into: path, mode: .apply, to: 1)
        #expect(throws: ReplayError.self) { try fixture.replay(into: path, mode: .apply, from: 3) }
        #expect(throws: ReplayError.self) { try fixture.replay(into: path, mode: .apply, to: 9) }
        #expect(try fixture.head(of: path)?.block == 1)
    }

    @Test func snapshotExportImportThenReplayTheRest() throws {
        let fixture = try ArchiveFixture(blocks: 6)
        let partial = try fixture.freshStorePath("partial")
        _ = try fixture.replay(into: partial, mode: .execute, to: 4)
        let file = fixture.root + "/state.snapshot"
        let exported = try SnapshotFile.export(from: try LMDBStateStore(directory: partial), to: file)
        #expect(exported.head.block == 4)
        let restored = try fixture.freshStorePath("restored")
        let imported = try SnapshotFile.importSnapshot(from: file, into: try LMDBStateStore(directory: restored))
        #expect(imported == exported.head)
        let rest = try fixture.replay(into: restored, mode: .execute)
        #expect(rest.fromBlock == 5)
        #expect(try fixture.head(of: restored) == fixture.head(of: fixture.storePath))
        // A snapshot goes into an empty store only.
        #expect(throws: (any Error).self) { try SnapshotFile.importSnapshot(from: file, into: try LMDBStateStore(directory: restored)) }
    }

    @Test func unwindRestoresEarlierBlocksExactly() throws {
        let fixture = try ArchiveFixture(blocks: 6)
        let store = try LMDBStateStore(directory: fixture.storePath)
        let head = try store.unwind(to: 2)
        #expect(head.block == 2)
        #expect(head.commitment.digest == fixture.headers[2].stateCommitment)
        #expect(head.blockHash == fixture.headers[2].hash)
        #expect(try store.recomputeCommitment() == head.commitment)
        // The archive brings it forward again, to the same place.
        let report = try Replayer(archive: try fixture.openArchive(), store: store, mode: .execute, logic: BuiltinTransactionLogic()).run()
        #expect(report.fromBlock == 3)
        #expect(try store.head()?.commitment.digest == fixture.headers[6].stateCommitment)
        #expect(try store.unwind(to: 0).commitment.digest == fixture.headers[0].stateCommitment)
    }

    @Test func unwindingIntoAMergedRangeIsRefused() throws {
        let fixture = try ArchiveFixture(blocks: 6)
        let path = try fixture.freshStorePath("merged")
        _ = try fixture.replay(into: path, mode: .apply, window: 3)
        let store = try LMDBStateStore(directory: path)
        #expect(throws: StateStoreFault.self) { try store.unwind(to: 5) }
        #expect(try store.unwind(to: 3).block == 3)
    }
}

@Suite struct MergedRangeTests {
    @Test func applyModeUsesMergedRangesAndReachesTheSameHead() throws {
        let fixture = try ArchiveFixture(blocks: 10)
        let writable = try BlockArchive(directory: fixture.archivePath, writable: true)
        #expect(try writable.compact(rangeSize: 4) == [1...4, 5...8])
        #expect(try writable.compact(rangeSize: 4).isEmpty)
        let path = try fixture.freshStorePath("ranges")
        let report = try fixture.replay(into: path, mode: .apply, window: 1)
        // Two merged ranges, then blocks 9 and 10 one by one.
        #expect(report.verifiedBlocks == 4)
        #expect(report.blocks == 10 && report.transactions == fixture.transactionCount)
        #expect(try fixture.head(of: path) == fixture.head(of: fixture.storePath))
        // Starting inside a range skips it and applies the blocks instead.
        let partial = try fixture.freshStorePath("partial")
        _ = try fixture.replay(into: partial, mode: .apply, to: 2)
        #expect(try fixture.replay(into: partial, mode: .apply).verifiedBlocks > 1)
        #expect(try fixture.head(of: partial) == fixture.head(of: fixture.storePath))
    }

    @Test(arguments: ["flipped", "zeroed"])
    func aDamagedRangeFileFallsBackToTheBlocksAndSaysSo(damage: String) throws {
        let fixture = try ArchiveFixture(blocks: 4)
        try BlockArchive(directory: fixture.archivePath, writable: true).compact(rangeSize: 4)
        let file = fixture.archivePath + "/ranges/range-1-4.tkr"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        if damage == "flipped" { bytes[bytes.count / 2] ^= 0x10 } else { bytes = [UInt8](repeating: 0, count: bytes.count) }
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let path = try fixture.freshStorePath("damaged")
        let report = try fixture.replay(into: path, mode: .apply)
        #expect(report.notes.count == 1)
        #expect(report.notes.first?.contains(file) == true)
        #expect(report.verifiedBlocks == 1)
        #expect(try fixture.head(of: path)?.block == 4)
        #expect(try fixture.head(of: path)?.blockHash == fixture.headers[4].hash)
    }

    @Test func aRangeWithWrongChangesFallsBackToTheBlocks() throws {
        let fixture = try ArchiveFixture(blocks: 4)
        let archive = try BlockArchive(directory: fixture.archivePath, writable: true)
        // A well-formed, checksummed range file whose merged changes leave out block 4: the commitment
        // check catches it and the blocks themselves are applied instead.
        var merged = MergedRange(try (UInt64(1)...3).map { try archive.readChanges($0) })
        merged.headers.append(try archive.read(4, as: BuiltinTransaction.self).header)
        try FileManager.default.createDirectory(atPath: fixture.archivePath + "/ranges", withIntermediateDirectories: true)
        try Data(try merged.fileBytes()).write(to: URL(fileURLWithPath: fixture.archivePath + "/ranges/range-1-4.tkr"))
        let path = try fixture.freshStorePath("fallback")
        let report = try fixture.replay(into: path, mode: .apply, window: 1)
        #expect(report.verifiedBlocks == 4)
        #expect(try fixture.head(of: path) == fixture.head(of: fixture.storePath))
    }
}
