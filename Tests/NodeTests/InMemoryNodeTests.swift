import Foundation
import Testing
import TakeoffBuiltinChain
import TakeoffCore
import TakeoffNode
import TakeoffWorkloads

/// The node floor (pipeline, recovery, replay, unwind) on the in-memory store and log, against the plain
/// sequential loop: no LMDB, no files.
@Suite struct InMemoryNodeTests {
    static let blocks: UInt64 = 10
    static let blockSize = 80

    static func generator() throws -> WorkloadGenerator {
        try WorkloadGenerator(WorkloadConfiguration(kind: .mix, accounts: 200, seed: 11, signed: false))
    }

    static var genesis: Genesis { get throws { Genesis(entries: try generator().genesis()) } }

    /// The reference: each block executed by the sequential executor over the state the blocks before it left.
    static func referenceHeaders() throws -> [BlockHeader] {
        let generator = try generator()
        let genesis = try genesis
        var state = InMemoryState(pairs: try generator.genesis())
        var parent = genesis.head
        var headers = [genesis.header]
        let executor = SequentialExecutor(logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false))
        for number in 1...blocks {
            let executed = try executor.execute(
                generator.block(number: number, size: blockSize), context: generator.context(number: number), parent: parent, state: state)
            state.apply(executed.changeSet)
            parent = executed.head
            headers.append(executed.header)
        }
        return headers
    }

    /// Always parallel, so that the parallel path runs on these small blocks.
    static func executor() -> ParallelExecutor<BuiltinTransactionLogic> {
        ParallelExecutor(logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false), threads: 4, policy: .alwaysParallel)
    }

    /// Runs blocks 1...`last` on a pipeline over `store` and `log`, returning the durable blocks.
    @discardableResult
    static func run(
        store: InMemoryStateStore, log: InMemoryBlockLog?, through last: UInt64, configuration: PipelineConfiguration = PipelineConfiguration(commitBlocks: 3)
    ) throws -> [ExecutedBlock<BuiltinTransaction>] {
        let generator = try generator()
        let pipeline = BlockPipeline(executor: executor(), store: store, archive: log, configuration: configuration)
        try pipeline.start(from: try genesis)
        var durable: [ExecutedBlock<BuiltinTransaction>] = []
        _ = try pipeline.run(
            next: { number in
                guard number <= last else { return nil }
                return PipelineBlock(transactions: generator.block(number: number, size: blockSize), context: generator.context(number: number))
            },
            durable: { durable.append($0) })
        return durable
    }

    @Test func thePipelineGivesTheSequentialHeaders() throws {
        let reference = try Self.referenceHeaders()
        let store = InMemoryStateStore()
        let log = InMemoryBlockLog()
        let durable = try Self.run(store: store, log: log, through: Self.blocks)
        #expect(durable.map(\.header) == Array(reference.dropFirst()))
        #expect(durable.contains { $0.metrics.path == .parallel }, "the parallel path ran")
        #expect(try store.head()?.blockHash == reference.last?.hash)
        #expect(log.head == Self.blocks)
        #expect(try (0...Self.blocks).map { try log.readChanges($0).header } == reference)
        // The store's state adds up to the last header's commitment.
        let recomputed = try store.withReadView { view in
            var entries: [(StateKey, StateValue)] = []
            try view.forEachEntry { entries.append(($0, $1)) }
            return StateCommitment.of(entries)
        }
        #expect(recomputed.digest == reference.last?.stateCommitment)
    }

    @Test func withoutALogTheStoreIsTheLog() throws {
        let reference = try Self.referenceHeaders()
        let store = InMemoryStateStore()
        let durable = try Self.run(store: store, log: nil, through: 4)
        #expect(durable.map(\.header) == Array(reference[1...4]))
        #expect(try store.head()?.block == 4)
    }

    /// A crash after the log's appends and before the store's commits: a new store beside the log gets genesis
    /// from it and every block, checked.
    @Test func recoveryAppliesWhatTheStoreLacks() throws {
        let reference = try Self.referenceHeaders()
        let log = InMemoryBlockLog()
        try Self.run(store: InMemoryStateStore(), log: log, through: Self.blocks)
        let fresh = InMemoryStateStore()
        let pipeline = BlockPipeline(executor: Self.executor(), store: fresh, archive: log, configuration: PipelineConfiguration(commitBlocks: 4))
        let started = try pipeline.start(from: try Self.genesis)
        #expect(started.recovered == 1...Self.blocks)
        #expect(started.head.blockHash == reference.last?.hash)
        // Recovery commits block by block: every block stays unwindable.
        #expect(try fresh.unwind(to: 3).blockHash == reference[3].hash)
    }

    /// A log whose block 6 does not add up: recovery stops exactly there, the store holding block 5.
    @Test func recoveryStopsAtTheFirstBadBlock() throws {
        let reference = try Self.referenceHeaders()
        let good = InMemoryBlockLog()
        try Self.run(store: InMemoryStateStore(), log: good, through: Self.blocks)
        let forged = InMemoryBlockLog()
        for number in 0...Self.blocks {
            var block = try good.read(number, as: BuiltinTransaction.self)
            if number == 6 { block.header.stateCommitment = Hash32.sha256([6]) }
            try forged.append(block)
        }
        let store = InMemoryStateStore()
        let pipeline = BlockPipeline(executor: Self.executor(), store: store, archive: forged)
        #expect(performing: { try pipeline.start(from: try Self.genesis) }, throws: { error in
            guard case .commitmentMismatch(let block, _, _)? = error as? ReplayError else { return false }
            return block == 6
        })
        #expect(try store.head()?.blockHash == reference[5].hash)
    }

    @Test(arguments: [ReplayMode.execute, .apply])
    func replayRebuildsTheSameState(mode: ReplayMode) throws {
        let reference = try Self.referenceHeaders()
        let log = InMemoryBlockLog()
        try Self.run(store: InMemoryStateStore(), log: log, through: Self.blocks)
        try log.addMergedRange(4...7)
        let store = InMemoryStateStore()
        let report = try Replayer(archive: log, store: store, mode: mode, executor: Self.executor(), window: 3).run()
        #expect(report.headBlock == Self.blocks)
        #expect(report.headHash == reference.last?.hash.hex)
        #expect(report.blocks == Int(Self.blocks))
        #expect(try store.head()?.blockHash == reference.last?.hash)
        if mode == .execute {
            #expect(report.verifiedBlocks == Int(Self.blocks))
            #expect(report.metrics.map { $0.parallelBlocks > 0 } == true, "the parallel path ran")
        } else {
            // Window 1-3, the merged range 4-7 (it starts where the next window would), window 8-10: one
            // commitment check per commit (without the range: 1-3, 4-6, 7-9, 10).
            #expect(report.verifiedBlocks == 3)
        }
    }

    /// An executor whose first block takes a while: by the time it is done, the next blocks are prepared, so
    /// a replay's execution stage finds a group waiting.
    struct SlowFirstBlock: BlockExecutor {
        let inner: ParallelExecutor<BuiltinTransactionLogic>

        func authenticate(_ transactions: [BuiltinTransaction]) -> [ReceiptStatus?] { inner.authenticate(transactions) }

        func execute(
            _ transactions: [BuiltinTransaction], context: BlockContext, parent: StoreHead, state: some StateReader,
            authentications: [ReceiptStatus?]?, accessHints: [AccessSet]?
        ) throws(ExecutionError) -> ExecutedBlock<BuiltinTransaction> {
            if context.number == 1 { usleep(200_000) }
            return try inner.execute(
                transactions, context: context, parent: parent, state: state, authentications: authentications, accessHints: accessHints)
        }

        func execute(group: [GroupedBlock<BuiltinTransaction>], parent: StoreHead, state: some StateReader) throws(ExecutionError) -> [ExecutedBlock<BuiltinTransaction>] {
            if group.first?.context.number == 1 { usleep(200_000) }
            return try inner.execute(group: group, parent: parent, state: state)
        }
    }

    /// A replay runs consecutive small blocks as one group (their recorded access sets as one dependency
    /// graph) and still checks and commits every block: the same head as block by block.
    @Test func replayRunsSmallBlocksInGroups() throws {
        let reference = try Self.referenceHeaders()
        let log = InMemoryBlockLog()
        try Self.run(store: InMemoryStateStore(), log: log, through: Self.blocks)
        let store = InMemoryStateStore()
        let report = try Replayer(archive: log, store: store, mode: .execute, executor: SlowFirstBlock(inner: Self.executor()), window: 3).run()
        #expect(report.headHash == reference.last?.hash.hex)
        #expect(report.verifiedBlocks == Int(Self.blocks))
        // Block 1 alone or with the few prepared by then; whichever, every block after it was prepared while it
        // ran, and they run together.
        #expect((report.metrics?.crossBlockBlocks ?? 0) >= Int(Self.blocks) - 1)
        #expect(try store.head()?.blockHash == reference.last?.hash)

        // Block by block, for comparison: no group at all.
        let apart = InMemoryStateStore()
        let alone = try Replayer(archive: log, store: apart, mode: .execute, executor: SlowFirstBlock(inner: Self.executor()), window: 3, crossBlockTransactions: 0).run()
        #expect(alone.headHash == reference.last?.hash.hex)
        #expect(alone.metrics?.crossBlockBlocks == 0)
    }

    @Test func replayStopsAtAForgedHeader() throws {
        let reference = try Self.referenceHeaders()
        let good = InMemoryBlockLog()
        try Self.run(store: InMemoryStateStore(), log: good, through: Self.blocks)
        // Block 4's receipts digest is forged, and every later block relinked to it: only re-execution finds it.
        let forged = InMemoryBlockLog()
        var parentHash = Hash32.zero
        for number in 0...Self.blocks {
            var block = try good.read(number, as: BuiltinTransaction.self)
            if number == 4 { block.header.receiptsDigest = Hash32.sha256([4]) }
            if number > 0 { block.header.parentHash = parentHash }
            parentHash = block.header.hash
            try forged.append(block)
        }
        let store = InMemoryStateStore()
        #expect(performing: { try Replayer(archive: forged, store: store, mode: .execute, executor: Self.executor(), window: 2).run() }, throws: { error in
            guard case .headerMismatch(let block, let field, _, _)? = error as? ReplayError else { return false }
            return block == 4 && field == "receipts digest"
        })
        #expect(try store.head()?.blockHash == reference[3].hash)
    }

    @Test func unwindCutsTheLogAndThePipelineGoesOn() throws {
        let reference = try Self.referenceHeaders()
        let store = InMemoryStateStore()
        let log = InMemoryBlockLog()
        try Self.run(store: store, log: log, through: Self.blocks)
        let result = try Unwind.run(store: store, log: log, to: 4)
        #expect(result.from == Self.blocks)
        #expect(result.head.blockHash == reference[4].hash)
        #expect(result.logHead == 4)
        #expect(try store.unwindRecord() == nil)
        // The run goes on from block 5, on block 4's state (a fresh generator makes other blocks than the first
        // run's: its accounts' nonces start over).
        let durable = try Self.run(store: store, log: log, through: Self.blocks)
        #expect(durable.map(\.header.number) == Array(5...Self.blocks))
        #expect(durable.first?.header.parentHash == reference[4].hash)
        #expect(log.head == Self.blocks)
        #expect(try store.head()?.blockHash == durable.last?.header.hash)
    }

    @Test func anUnwoundStoreRefusesTheBlocksItsLogStillHolds() throws {
        let store = InMemoryStateStore()
        let log = InMemoryBlockLog()
        try Self.run(store: store, log: log, through: 6)
        try Unwind.run(store: store, to: 2)
        #expect(try store.unwindRecord() == UnwindRecord(from: 6, to: 2))
        let pipeline = BlockPipeline(executor: Self.executor(), store: store, archive: log)
        #expect(throws: PipelineError.unwoundBlocksInLog(store: store.location, log: log.location, unwoundFrom: 6, storeHead: 2, logHead: 6)) {
            try pipeline.recover()
        }
        #expect(throws: UnwindError.storeBehind(storeHead: 2, target: 5)) { try Unwind.run(store: store, to: 5) }
    }

    @Test func theStoreRefusesWhatDoesNotFollowAndWritesNothing() throws {
        let reference = try Self.referenceHeaders()
        let log = InMemoryBlockLog()
        try Self.run(store: InMemoryStateStore(), log: log, through: 3)
        let store = InMemoryStateStore()
        try store.loadGenesis(from: log)
        let one = try log.readChanges(1), two = try log.readChanges(2)
        var commitment = try store.head()!.commitment
        commitment.apply(one.changeSet)
        #expect(throws: StateStoreFault.unexpectedBlock(expected: 1, got: 2)) {
            try store.commit(blocks: [(two.header, two.changeSet)], commitment: commitment)
        }
        #expect(throws: StateStoreFault.self) { try store.commit(blocks: [(one.header, one.changeSet)], commitment: StateCommitment.empty) }
        // Block 2's changes over genesis: their previous values are not genesis's.
        var skipped = one.header
        skipped.stateCommitment = two.header.stateCommitment
        #expect(throws: StateStoreFault.self) { try store.commit(blocks: [(skipped, two.changeSet)], commitment: commitment) }
        #expect(try store.head()?.block == 0)
        #expect(try store.commit(blocks: [(one.header, one.changeSet)], commitment: commitment).blockHash == reference[1].hash)
    }
}
