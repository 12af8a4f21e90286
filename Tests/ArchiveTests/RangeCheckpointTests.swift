import Foundation
import Testing
import Takeoff
import TakeoffWorkloads

@testable import TakeoffArchive
@testable import TakeoffCore

/// Ranges merged independently and combined, checkpoints made from them, and replays that start from a checkpoint:
/// every state they give is the one a replay of the whole archive gives, and every state that is not the archive's
/// is refused before anything is written.
@Suite struct RangeCheckpointTests {
    static let blocks = 12

    @Test func rangesMergedApartAndCombinedInAnyGroupingEqualTheRangeMergedWhole() throws {
        let fixture = try ArchiveFixture(blocks: Self.blocks)
        let archive = try fixture.openArchive()
        let whole = try archive.mergeChanges(of: 1...12)
        let parts = try [1...3, 4...7, 8...8, 9...12].map { try archive.mergeChanges(of: $0, batch: 2) }
        let leftFirst = try MergedRange.combining([try MergedRange.combining([parts[0], parts[1]]), parts[2], parts[3]])
        let rightFirst = try MergedRange.combining([parts[0], try MergedRange.combining([parts[1], try MergedRange.combining([parts[2], parts[3]])])])
        for combined in [try MergedRange.combining(parts), leftFirst, rightFirst] {
            #expect(combined == whole)
        }
        #expect(whole.headers == Array(fixture.headers[1...]))
        #expect(whole.transactions == fixture.transactionCount)
        // Merging in batches of one block gives the same as batches of 64.
        #expect(try archive.mergeChanges(of: 1...12, batch: 1) == whole)
        // The same through a file.
        let path = fixture.root + "/whole.tkr"
        try whole.write(to: path)
        #expect(try MergedRange(contentsOf: path) == whole)
    }

    @Test func rangesThatDoNotFollowEachOtherAreRefused() throws {
        let fixture = try ArchiveFixture(blocks: 6)
        let archive = try fixture.openArchive()
        let first = try archive.mergeChanges(of: 1...2)
        let third = try archive.mergeChanges(of: 4...6)
        #expect(throws: ReplayError.brokenChain(block: 4, expectedParent: fixture.headers[2].hash, archivedParent: fixture.headers[3].hash)) {
            try MergedRange.combining([first, third])
        }
        // Blocks 3...6 after 1...2 follow by hash; in the wrong order they do not.
        let second = try archive.mergeChanges(of: 3...6)
        #expect(throws: ReplayError.self) { try MergedRange.combining([second, first]) }
        #expect(try MergedRange.combining([first, second]).lastBlock == 6)
    }

    @Test func checkpointsFromMergedRangesAreTheReplayedStates() throws {
        let fixture = try ArchiveFixture(blocks: Self.blocks)
        let archive = try fixture.openArchive()
        var base = CheckpointBase.genesis
        for range in [1...4, 5...8, 9...12] as [ClosedRange<UInt64>] {
            var state = try StateAfterRange(archive: archive, base: base, range: try archive.mergeChanges(of: range))
            let path = fixture.root + "/state-\(range.upperBound).snapshot"
            try state.writeSnapshot(to: path)
            // The same state, replayed block by block from genesis.
            let replayed = try fixture.freshStorePath("replayed-\(range.upperBound)")
            let report = try fixture.replay(into: replayed, mode: .execute, to: range.upperBound)
            #expect(state.head.commitment.digest.hex == report.stateCommitment)
            #expect(state.head.blockHash == fixture.headers[Int(range.upperBound)].hash)
            // The snapshot loads (its entries add up to its commitment) and holds as many keys as the replayed store.
            let loaded = try LMDBStateStore(directory: try fixture.freshStorePath("loaded-\(range.upperBound)"), syncOnCommit: false)
            try SnapshotFile.importSnapshot(from: path, into: loaded)
            #expect(try loaded.keyCount() == LMDBStateStore(directory: replayed, syncOnCommit: false).keyCount())
            #expect(try loaded.keyCount() == state.entryCount)
            base = .snapshot(path: path)
        }
    }

    @Test func theWholeHistoryLoadsIntoAStoreAtTheApplyReplaysCommitment() throws {
        let fixture = try ArchiveFixture(blocks: Self.blocks)
        let archive = try fixture.openArchive()
        let applied = try fixture.replay(into: try fixture.freshStorePath("applied"), mode: .apply)
        var state = try StateAfterRange(archive: archive, base: .genesis, range: try archive.mergeChanges(of: 1...12))
        let store = try LMDBStateStore(directory: try fixture.freshStorePath("loaded"), syncOnCommit: false)
        try state.load(into: store)
        let head = try #require(try store.head())
        #expect(head.commitment.digest.hex == applied.stateCommitment)
        #expect(head.block == 12 && head.blockHash.hex == applied.headHash)
        #expect(try store.verify().stateCommitment == applied.stateCommitment)
    }

    @Test func aStateThatIsNotTheArchivesIsRefusedBeforeAnythingIsWritten() throws {
        let fixture = try ArchiveFixture(blocks: 6)
        let other = try ArchiveFixture(blocks: 6, seed: 8)
        let archive = try fixture.openArchive()
        // A checkpoint of the other history at block 3.
        var foreign = try StateAfterRange(archive: try other.openArchive(), base: .genesis, range: try other.openArchive().mergeChanges(of: 1...3))
        let foreignPath = fixture.root + "/foreign.snapshot"
        try foreign.writeSnapshot(to: foreignPath)
        let next = try archive.mergeChanges(of: 4...6)
        #expect(throws: ReplayError.startMismatch(block: 3, field: "block hash", archived: fixture.headers[3].hash, found: other.headers[3].hash)) {
            _ = try StateAfterRange(archive: archive, base: .snapshot(path: foreignPath), range: next)
        }
        // A range that does not start after the base.
        var honest = try StateAfterRange(archive: archive, base: .genesis, range: try archive.mergeChanges(of: 1...2))
        let honestPath = fixture.root + "/state-2.snapshot"
        try honest.writeSnapshot(to: honestPath)
        #expect(throws: ReplayError.gap(storeHead: 2, from: 4)) {
            _ = try StateAfterRange(archive: archive, base: .snapshot(path: honestPath), range: next)
        }
        // A range of the other archive, applied to this one's genesis: its headers are not this archive's.
        #expect(throws: ReplayError.self) {
            _ = try StateAfterRange(archive: archive, base: .genesis, range: try other.openArchive().mergeChanges(of: 1...3))
        }
        // A replay whose store was started from the foreign checkpoint stops before any block runs.
        let store = try LMDBStateStore(directory: try fixture.freshStorePath("started-elsewhere"), syncOnCommit: false)
        try SnapshotFile.importSnapshot(from: foreignPath, into: store)
        for mode in [ReplayMode.execute, .apply] {
            #expect(throws: ReplayError.startMismatch(block: 3, field: "block hash", archived: fixture.headers[3].hash, found: other.headers[3].hash)) {
                try Replayer(archive: archive, store: store, mode: mode, logic: BuiltinTransactionLogic()).run(to: 6)
            }
        }
        #expect(try store.head()?.block == 3)
    }

    /// A block executed over another state than its parent's, with its parent's commitment updated by its changes:
    /// the commitment after it is what an honest application of its change set gives, so only comparing each
    /// change's previous value with the state before it finds the forgery.
    @Test func aChangeThatDoesNotStartFromTheBasesValueIsFoundWhileMerging() throws {
        let root = NSTemporaryDirectory() + "takeoff-forged-range-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/db", withIntermediateDirectories: true)
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .uniform, accounts: 200, seed: 3, signed: false))
        let entries = generator.genesis()
        let genesis = Genesis(entries: entries)
        let tampered = entries.map { key, value -> (StateKey, StateValue) in
            guard case .account(var account) = value else { return (key, value) }
            account.balance += 1
            return (key, .account(account))
        }
        let archive = try BlockArchive(directory: root + "/archive", writable: true)
        try archive.append(ArchivedBlock<BuiltinTransaction>(genesis))
        let store = try LMDBStateStore(directory: root + "/db", syncOnCommit: false)
        try store.initialize(Genesis(entries: tampered))
        let executor = ParallelExecutor(logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false), threads: 2)
        let executed = try store.withReadView { view in
            try executor.execute(generator.nextBlock(size: 50), context: generator.context(number: 1), parent: genesis.head, state: view)
        }
        try archive.append(ArchivedBlock(executed))

        // Every check before the merge passes: the range follows genesis and its commitment is its header's.
        var state = try StateAfterRange(archive: archive, base: .genesis, range: try archive.mergeChanges(of: 1...1))
        #expect(state.head.commitment.digest == executed.header.stateCommitment)
        let path = root + "/state-1.snapshot"
        #expect(throws: ReplayError.self) { try state.writeSnapshot(to: path) }
        #expect(!FileManager.default.fileExists(atPath: path), "a checkpoint that failed leaves no file")
        // Re-executing the block from the honest genesis finds it too, as a mismatch at block 1.
        try FileManager.default.createDirectory(atPath: root + "/replayed", withIntermediateDirectories: true)
        let replayed = try LMDBStateStore(directory: root + "/replayed", syncOnCommit: false)
        do {
            _ = try Replayer(archive: archive, store: replayed, mode: .execute, logic: BuiltinTransactionLogic()).run()
            Issue.record("the forged block replayed")
        } catch let error as ReplayError {
            #expect(error.block == 1)
        }
    }
}
