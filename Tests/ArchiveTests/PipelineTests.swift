import Foundation
import Testing
import Takeoff
import TakeoffWorkloads

@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffNode
@testable import TakeoffStore

/// The block pipeline against the plain loop (execute, archive, commit, one block at a time) that
/// ``ArchiveFixture`` runs: the same headers, block for block, whatever the batching.
@Suite struct PipelineTests {
    static let blocks = 12
    static let blockSize = 80

    /// A pipeline over a new store in `root`, with an archive unless `archived` is false.
    static func pipeline(
        in root: String, archived: Bool = true, configuration: PipelineConfiguration
    ) throws -> BlockPipeline<ParallelExecutor<BuiltinTransactionLogic>, LMDBStateStore, BlockArchive> {
        try FileManager.default.createDirectory(atPath: root + "/db", withIntermediateDirectories: true)
        let store = try LMDBStateStore(directory: root + "/db", syncOnCommit: false)
        let archive = archived ? try BlockArchive(directory: root + "/archive", writable: true) : nil
        // Always parallel: the blocks are small, and the test must exercise the parallel path.
        let executor = ParallelExecutor(
            logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false), threads: 4, policy: .alwaysParallel)
        return BlockPipeline(executor: executor, store: store, archive: archive, configuration: configuration)
    }

    static func generator() throws -> WorkloadGenerator {
        try WorkloadGenerator(WorkloadConfiguration(kind: .mix, accounts: 200, seed: 7, signed: false))
    }

    /// Runs blocks 1...`last` (or until `next` is told to fail at `failAt`), recording the durable headers.
    static func run(
        _ pipeline: BlockPipeline<ParallelExecutor<BuiltinTransactionLogic>, LMDBStateStore, BlockArchive>, through last: UInt64, failAt: UInt64? = nil
    ) throws -> (report: PipelineReport?, durable: [ExecutedBlock<BuiltinTransaction>], error: (any Error)?) {
        let generator = try generator()
        try pipeline.start(from: Genesis(entries: generator.genesis()))
        var durable: [ExecutedBlock<BuiltinTransaction>] = []
        do {
            let report = try pipeline.run(
                next: { number in
                    if number == failAt { throw CodecError.invalidValue(what: "test block", reason: "told to fail") }
                    guard number <= last else { return nil }
                    return PipelineBlock(transactions: generator.block(number: number, size: blockSize), context: generator.context(number: number))
                },
                durable: { durable.append($0) })
            return (report, durable, nil)
        } catch {
            return (nil, durable, error)
        }
    }

    @Test(arguments: [
        PipelineConfiguration(queueDepth: 1, commitBlocks: 1),
        PipelineConfiguration(queueDepth: 2, commitBlocks: 5),
        PipelineConfiguration(queueDepth: 3, commitBlocks: 64, commitInterval: 0),
        PipelineConfiguration(queueDepth: 2, commitBlocks: 4, cachedKeys: 0),
    ])
    func theSameHeadersAsOneBlockAtATime(configuration: PipelineConfiguration) throws {
        let fixture = try ArchiveFixture(blocks: Self.blocks, blockSize: Self.blockSize)
        let root = try fixture.freshStorePath("pipeline")
        let pipeline = try Self.pipeline(in: root, configuration: configuration)
        let (report, durable, error) = try Self.run(pipeline, through: UInt64(Self.blocks))
        #expect(error == nil)
        let reported = try #require(report)
        #expect(durable.map(\.header) == Array(fixture.headers.dropFirst()))
        #expect(durable.contains { $0.metrics.path == .parallel }, "the parallel path ran")
        #expect(reported.blocks == Self.blocks && reported.transactions == Self.blocks * Self.blockSize)
        #expect(reported.headBlock == UInt64(Self.blocks))
        #expect(try pipeline.store.head()?.blockHash == fixture.headers.last?.hash)
        #expect(try pipeline.store.recomputeCommitment().digest == fixture.headers.last?.stateCommitment)
        #expect(pipeline.archive?.head == UInt64(Self.blocks))
        // Batching by count: at most one commit per block, and fewer when batches hold several.
        #expect(reported.storeCommits >= (Self.blocks + configuration.commitBlocks - 1) / configuration.commitBlocks)
        #expect(reported.storeCommits <= Self.blocks)
        if configuration.commitBlocks == 5 { #expect(reported.storeCommits < Self.blocks) }
        #expect(reported.stages.map(\.stage) == ["source", "pre-execution", "execution", "archive", "commit"])
        for stage in reported.stages { #expect(stage.queueHighWaterMark <= max(configuration.queueDepth, configuration.commitBlocks + configuration.queueDepth)) }
        // Every block stays unwindable on its own: each has its own history entry.
        #expect(try pipeline.store.unwind(to: UInt64(Self.blocks - 1)).blockHash == fixture.headers[Self.blocks - 1].hash)
    }

    @Test func withoutAnArchiveEveryBlockIsCommittedOnItsOwn() throws {
        let fixture = try ArchiveFixture(blocks: 6, blockSize: Self.blockSize)
        let pipeline = try Self.pipeline(in: try fixture.freshStorePath("plain"), archived: false, configuration: PipelineConfiguration(commitBlocks: 8))
        let (report, durable, _) = try Self.run(pipeline, through: 6)
        #expect(report?.storeCommits == 6)
        #expect(report?.stages.map(\.stage) == ["source", "pre-execution", "execution", "commit"])
        #expect(durable.map(\.header) == Array(fixture.headers.dropFirst()))
    }

    @Test func aFailureStopsTheRunAfterTheBlocksBeforeIt() throws {
        let fixture = try ArchiveFixture(blocks: 8, blockSize: Self.blockSize)
        let pipeline = try Self.pipeline(in: try fixture.freshStorePath("failing"), configuration: PipelineConfiguration(commitBlocks: 3))
        let (report, durable, error) = try Self.run(pipeline, through: 100, failAt: 6)
        #expect(report == nil)
        #expect(error is CodecError)
        #expect(durable.map(\.header) == Array(fixture.headers[1...5]))
        #expect(try pipeline.store.head()?.block == 5)
        #expect(pipeline.archive?.head == 5)
    }

    /// A crash between archiving blocks and committing them: the archive is ahead of the store, and the next
    /// start applies what the store lacks.
    @Test func startingAgainAppliesTheArchivedBlocksTheStoreLacks() throws {
        let fixture = try ArchiveFixture(blocks: 9, blockSize: Self.blockSize)
        let root = try fixture.freshStorePath("recovering")
        weak var firstArchive: BlockArchive?
        do {
            let pipeline = try Self.pipeline(in: root, configuration: PipelineConfiguration(commitBlocks: 2))
            _ = try Self.run(pipeline, through: 4)
            // Blocks 5...9 reach the archive only.
            let archived = try fixture.openArchive()
            for number in UInt64(5)...9 { try pipeline.archive!.append(try archived.read(number, as: BuiltinTransaction.self)) }
            firstArchive = pipeline.archive
        }
        #expect(firstArchive == nil, "the pipeline's threads keep nothing alive once it is gone")
        do {
            let pipeline = try Self.pipeline(in: root, configuration: PipelineConfiguration(commitBlocks: 2))
            let start = try pipeline.start(from: Genesis(entries: try Self.generator().genesis()))
            #expect(start.recovered == 5...9)
            #expect(start.head.blockHash == fixture.headers[9].hash)
            #expect(try pipeline.store.recomputeCommitment().digest == fixture.headers[9].stateCommitment)
        }
        // And a store lost altogether is rebuilt from the archive.
        try FileManager.default.removeItem(atPath: root + "/db")
        let rebuilt = try Self.pipeline(in: root, configuration: PipelineConfiguration())
        #expect(try rebuilt.start(from: Genesis(entries: try Self.generator().genesis())).head.blockHash == fixture.headers[9].hash)
    }

    @Test func anArchiveFromAnotherGenesisIsRefused() throws {
        let fixture = try ArchiveFixture(blocks: 2, blockSize: Self.blockSize)
        let store = try LMDBStateStore(directory: try fixture.freshStorePath("other"), syncOnCommit: false)
        let archive = try BlockArchive(directory: fixture.archivePath, writable: true)
        let pipeline = BlockPipeline(executor: SequentialExecutor(logic: BuiltinTransactionLogic()), store: store, archive: archive)
        let other = try WorkloadGenerator(WorkloadConfiguration(kind: .mix, accounts: 300, seed: 7, signed: false))
        #expect(throws: PipelineError.self) { try pipeline.start(from: Genesis(entries: other.genesis())) }
        #expect(try store.head() == nil)
    }

    @Test func theUncommittedChangesTableForgetsOnlyWhatTheStoreHolds() throws {
        let key = { (n: UInt8) in StateKey.account(Address(space: 9, index: UInt64(n))) }
        let value = { (n: UInt64) in StateValue.account(Account(balance: UInt128(n), nonce: n)) }
        var pending = PendingChanges(limit: 1)
        pending.add(ChangeSet(unsorted: [StateChange(key: key(1), oldValue: nil, newValue: value(1))]), block: 1)
        pending.add(ChangeSet(unsorted: [StateChange(key: key(2), oldValue: nil, newValue: value(2))]), block: 2)
        pending.add(ChangeSet(unsorted: [StateChange(key: key(1), oldValue: value(1), newValue: value(3))]), block: 3)
        pending.storeCommitted(through: 2)
        // Key 1 was last written by block 3, which the store does not hold yet.
        #expect(pending.entries.count == 1)
        #expect(pending.entries[key(1)]?.value == value(3))
        let reader = pending.reader(over: InMemoryState([key(2): value(2), key(1): value(1)]))
        #expect(try reader.value(for: key(1)) == value(3))
        #expect(try reader.value(for: key(2)) == value(2))
        // Under the limit, committed keys stay as a cache.
        var cache = PendingChanges(limit: 10)
        cache.add(ChangeSet(unsorted: [StateChange(key: key(4), oldValue: nil, newValue: value(4))]), block: 4)
        cache.storeCommitted(through: 4)
        #expect(cache.entries[key(4)]?.value == value(4))
    }

    @Test func aBoundedQueueHoldsItsCapacityAndDrainsAfterClosing() {
        let queue = BoundedQueue<Int>(capacity: 2)
        #expect(queue.push(1) && queue.push(2))
        let third = DispatchSemaphore(value: 0)
        Thread { queue.push(3); third.signal() }.start()
        // The producer waits while the queue is full.
        #expect(third.wait(timeout: .now() + 0.2) == .timedOut)
        #expect(queue.pop() == 1)
        #expect(third.wait(timeout: .now() + 5) == .success)
        queue.close()
        #expect(!queue.push(4))
        #expect(queue.pop() == 2 && queue.pop() == 3 && queue.pop() == nil)
        #expect(queue.highWaterMark == 2)
    }
}
