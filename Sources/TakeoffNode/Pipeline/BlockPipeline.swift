import Dispatch
import Foundation
import Logging
import Metrics
import Synchronization
import TakeoffCore

/// Executes blocks through stages on dedicated threads connected by bounded queues:
///
///     source (the caller's thread: make, or read and decode, each block)
///       -> pre-execution (signature checks, on every core)
///       -> execution (over the store's snapshot and the changes of the blocks not yet committed)
///       -> archive append (the archive is the log: a block is durable once its record is synced there)
///       -> state store commit (batched over several blocks, by count and by time)
///
/// Block N+2 is made while block N+1's signatures are checked and block N executes, and the commit of a batch overlaps the next
/// blocks' execution. Without an archive, the store is the log: every block is committed (and synced) on
/// its own before it is reported durable, still overlapping the next block's execution.
///
/// A crash between a log append and the store commit loses nothing: ``recover()`` (called by
/// ``start(from:)``) applies the logged blocks that the store lacks. The pipeline also rebuilds a store from
/// blocks that are durable elsewhere (``rebuild(from:next:afterExecution:durable:)``, on which ``Replayer``
/// re-executes a log): their commits are batched and nothing is appended.
///
/// It is generic over the store and the log (`StateStore`, `BlockLog`): the LMDB store and the zstd
/// archive, ``InMemoryStateStore`` and ``InMemoryBlockLog``, or a chain's own.
public final class BlockPipeline<Executor: BlockExecutor, Store: StateStore, Log: BlockLog>: Sendable {
    /// The executor that runs each block.
    public let executor: Executor
    /// The state store the blocks are committed to.
    public let store: Store
    /// The log new blocks are appended to (opened for writing), or nil: the store is then the log.
    public let archive: Log?
    /// Queue depths and commit batching.
    public let configuration: PipelineConfiguration
    /// Where the pipeline logs: a failed stage (error), blocks recovered from the archive (notice), each store
    /// commit (debug).
    public let logger: Logger
    /// Every executed block goes to swift-metrics through this (see ``BlockMetricsReporter``); the pipeline
    /// adds the store's commit time, size and free pages, and the archive's bytes.
    private let blockMetrics = BlockMetricsReporter()
    private let storeMetrics = StoreMetrics()

    /// Creates a pipeline. Call ``start(from:)`` (or ``recover()`` for a store that has its genesis already)
    /// before running blocks.
    /// - Parameters:
    ///   - executor: runs each block.
    ///   - store: the state store the blocks are committed to.
    ///   - archive: the log new blocks are appended to (opened for writing), or nil: the store is the log.
    ///   - configuration: queue depths and commit batching.
    ///   - logger: where to log; by default nowhere.
    public init(
        executor: Executor, store: Store, archive: Log?, configuration: PipelineConfiguration = PipelineConfiguration(),
        logger: Logger = TakeoffLogging.silent
    ) {
        self.executor = executor
        self.store = store
        self.archive = archive
        self.configuration = configuration
        self.logger = logger
    }

    // MARK: - Starting

    /// Makes sure the store holds a state to continue from, and the one the archive ends at:
    /// - a new store and a new (or no) archive: archives `genesis` as block 0 and initializes the store;
    /// - a new store beside an archive that has blocks: rebuilds the store from the archive, which must start
    ///   from this genesis;
    /// - a store that has a state: applies the archived blocks it lacks (``recover()``); `genesis` is not
    ///   evaluated.
    /// - Returns: the store's head, and the archived blocks applied to it.
    /// - Throws: ``PipelineError``, `ReplayError`, or the log's or the store's errors.
    @discardableResult
    public func start(from genesis: @autoclosure () throws -> Genesis) throws -> PipelineStart {
        if try store.head() == nil {
            let genesis = try genesis()
            if let archive, archive.head != nil {
                guard archive.firstBlock == 0, try archive.readChanges(0).header == genesis.header else {
                    throw PipelineError.genesisMismatch(log: archive.location)
                }
            } else {
                try archive?.append(ArchivedBlock<EncodedTransaction>(genesis))
                _ = try store.initialize(genesis)
            }
        }
        let recovered = try recover()
        return PipelineStart(head: try store.head()!, recovered: recovered)
    }

    /// Starts as ``start(from:)`` does from a genesis of any size, streamed in chunks in constant memory: the
    /// store loads it chunk by chunk, and an archive keeps its entries in `genesis.state` beside the
    /// segments, read back into the store with every entry checked against block 0's header.
    /// - Parameter genesisChunks: makes a fresh sequence of the genesis entries in increasing key order (called
    ///   once, or not at all for a store that has a state; twice to check the genesis of an archive that has
    ///   blocks beside a new store).
    /// - Returns: the store's head, and the archived blocks applied to it.
    /// - Throws: as ``start(from:)``, and `GenesisError/unsortedKeys(key:after:)` for keys out of order.
    @discardableResult
    public func start<Chunks: Sequence<[(StateKey, StateValue)]>>(genesisChunks: () -> Chunks) throws -> PipelineStart {
        if try store.head() == nil {
            if let archive {
                if archive.head != nil {
                    var builder = GenesisBuilder()
                    for chunk in genesisChunks() { try builder.add(chunk) }
                    guard archive.firstBlock == 0, try archive.readChanges(0).header == builder.finish().header else {
                        throw PipelineError.genesisMismatch(log: archive.location)
                    }
                } else {
                    var iterator = genesisChunks().makeIterator()
                    try archive.appendGenesis { iterator.next() }
                }
                // recover() below loads the archive's block 0 into the new store.
            } else {
                try store.initializeGenesis(streaming: genesisChunks())
            }
        }
        let recovered = try recover()
        return PipelineStart(head: try store.head()!, recovered: recovered)
    }

    /// Applies the logged blocks that the store lacks (a crash came between their append and their commit),
    /// checking each block's link to its parent, its change set against its header, and its commitment, and
    /// committing them ``PipelineConfiguration/commitBlocks`` at a time. A new store first gets the log's
    /// block 0, the genesis state.
    /// - Returns: the blocks applied, or nil when the store was up to date.
    /// - Throws: ``PipelineError`` when the log is behind the store, or holds blocks that an unwind undid on
    ///   purpose; `ReplayError` or the log's errors for a bad block (the store then holds the blocks before it).
    @discardableResult
    public func recover() throws -> ClosedRange<UInt64>? {
        guard let archive, let logged = archive.head else { return nil }
        var head: StoreHead
        if let current = try store.head() {
            head = current
        } else {
            guard archive.firstBlock == 0 else { throw PipelineError.notStarted(store: store.location) }
            head = try store.loadGenesis(from: archive)
        }
        guard logged >= head.block else {
            throw PipelineError.logBehindStore(log: archive.location, logHead: logged, storeHead: head.block)
        }
        guard logged > head.block else { return nil }
        if let unwound = try store.unwindRecord() {
            throw PipelineError.unwoundBlocksInLog(
                store: store.location, log: archive.location, unwoundFrom: unwound.from, storeHead: head.block, logHead: logged)
        }
        var applier = ChangeSetApplier(store: store, log: archive)
        try applier.apply(over: head, through: logged, window: configuration.commitBlocks, merging: false)
        logger.notice(
            "applied archived blocks missing from the store",
            metadata: ["from": "\(head.block + 1)", "to": "\(logged)", "store": "\(store.location)"])
        return (head.block + 1)...logged
    }

    // MARK: - Running

    /// Executes new blocks, one after the store's head after another, until `next` returns nil.
    /// - Parameters:
    ///   - next: called on the caller's thread with each block number in turn; returns that block's
    ///     transactions and context, or nil to stop.
    ///   - durable: called on the caller's thread with each block, in order, once it is durable: synced in
    ///     the archive (or committed to the store when there is no archive).
    /// - Returns: what the run did. With an archive, the store may lag the archive by a batch until the run
    ///   returns, when everything is committed.
    /// - Throws: the first error of any stage, or of `next` or `durable`, once every stage has stopped; the
    ///   blocks before the failing one are still made durable and committed.
    public func run(
        next: (UInt64) throws -> PipelineBlock<Executor.Transaction>?,
        durable: (ExecutedBlock<Executor.Transaction>) throws -> Void = { _ in }
    ) throws -> PipelineReport {
        guard let head = try store.head() else { throw PipelineError.notStarted(store: store.location) }
        return try drive(
            parent: head, mode: archive != nil ? .logging : .storeIsLog, next: next, afterExecution: { _, _ in }, durable: durable)
    }

    /// Executes blocks that are durable elsewhere already (read from a log, as a replay does), from the block
    /// after `parent`, the store's head, until `next` returns nil: nothing is appended, and the store commits
    /// them ``PipelineConfiguration/commitBlocks`` at a time.
    /// - Parameters:
    ///   - parent: the store's head, which the first block follows.
    ///   - next: as in ``run(next:durable:)``.
    ///   - afterExecution: called on the execution stage with each block and its result, before the result goes
    ///     on: a replay compares the header with the logged one (throwing stops the run, nothing of the block is
    ///     committed) and drops what its report does not need.
    ///   - durable: called on the caller's thread with each block, in order, once the store has committed it.
    /// - Throws: as ``run(next:durable:)``.
    public func rebuild(
        from parent: StoreHead,
        next: (UInt64) throws -> PipelineBlock<Executor.Transaction>?,
        afterExecution: @escaping @Sendable (PipelineBlock<Executor.Transaction>, inout ExecutedBlock<Executor.Transaction>) throws -> Void,
        durable: (ExecutedBlock<Executor.Transaction>) throws -> Void
    ) throws -> PipelineReport {
        try drive(parent: parent, mode: .rebuilding, next: next, afterExecution: afterExecution, durable: durable)
    }

    /// Where each block becomes durable, which decides the stages and how commits batch.
    private enum Mode {
        /// Each block is appended to the log, the source of durability; the store commits in batches.
        case logging
        /// No log: each block is committed to the store on its own before it is reported durable.
        case storeIsLog
        /// The blocks are durable elsewhere already: the store commits in batches, nothing is appended.
        case rebuilding
    }

    /// One block between the pre-execution and execution stages.
    private struct PreparedBlock: Sendable {
        var block: PipelineBlock<Executor.Transaction>
        var authentications: [ReceiptStatus?]
    }

    /// One block between the execution and commit stages; `executed` only when the commit reports it.
    private struct CommitItem: Sendable {
        var header: BlockHeader
        var changeSet: ChangeSet
        var commitment: StateCommitment
        var executed: ExecutedBlock<Executor.Transaction>?
    }

    /// Runs the stages from the block after `parent`.
    private func drive(
        parent: StoreHead, mode: Mode,
        next: (UInt64) throws -> PipelineBlock<Executor.Transaction>?,
        afterExecution: @escaping @Sendable (PipelineBlock<Executor.Transaction>, inout ExecutedBlock<Executor.Transaction>) throws -> Void,
        durable: (ExecutedBlock<Executor.Transaction>) throws -> Void
    ) throws -> PipelineReport {
        let started = DispatchTime.now().uptimeNanoseconds
        let depth = configuration.queueDepth
        let appending = mode == .logging
        let commitLimit = mode == .storeIsLog ? 1 : configuration.commitBlocks
        let proposed = BoundedQueue<PipelineBlock<Executor.Transaction>>(capacity: depth)
        let grouping = (transactions: configuration.crossBlockTransactions, blocks: configuration.crossBlockBlocks)
        let prepared = BoundedQueue<PreparedBlock>(capacity: depth)
        let executedQueue = BoundedQueue<ExecutedBlock<Executor.Transaction>>(capacity: depth)
        // Room for a whole batch and the next one's first blocks: execution goes on while a batch commits.
        let commitQueue = BoundedQueue<CommitItem>(capacity: commitLimit + depth)
        // Never full: the caller drains it between blocks, and at most the blocks in flight wait in it.
        let reports = BoundedQueue<ExecutedBlock<Executor.Transaction>>(capacity: Int.max)
        // The first error of any stage; the others stop once they see their queues closed.
        let failure = Mutex<(any Error)?>(nil)
        let logger = logger
        @Sendable func record(_ error: any Error, stage: String) {
            // Debug only: the error itself reaches the caller, who reports it.
            logger.debug("pipeline stage failed", metadata: ["stage": "\(stage)", "error": "\(error)"])
            failure.withLock { if $0 == nil { $0 = error } }
        }
        let latencies = Mutex((execution: LatencyHistogram(), commit: LatencyHistogram()))
        let blockMetrics = blockMetrics
        let storeMetrics = storeMetrics
        let committed = Mutex(CommitProgress(block: parent.block, commits: 0, head: parent))
        let times = Mutex(StageTimes())
        let stages = DispatchGroup()

        let executor = executor, store = store, archive = archive
        let commitInterval = configuration.commitInterval
        let cachedKeys = configuration.cachedKeys
        startStage("pre-execution", group: stages) {
            var time = PipelineStageTime(stage: "pre-execution")
            defer {
                proposed.close()
                prepared.close()
                time.queueHighWaterMark = proposed.highWaterMark
                times.withLock { $0.preExecution = time }
            }
            var clock = Stopwatch()
            while let block = proposed.pop() {
                time.starvedSeconds += clock.lap()
                let authentications = executor.authenticate(block.transactions)
                time.busySeconds += clock.lap()
                let pushed = prepared.push(PreparedBlock(block: block, authentications: authentications))
                time.blockedSeconds += clock.lap()
                if !pushed { return }
            }
        }
        startStage("execution", group: stages) {
            var time = PipelineStageTime(stage: "execution")
            defer {
                prepared.close()
                if appending { executedQueue.close() } else { commitQueue.close() }
                time.queueHighWaterMark = prepared.highWaterMark
                times.withLock { $0.execution = time }
            }
            var pending = PendingChanges(limit: cachedKeys)
            // The blocks' changes fill the table up to the state's size or the limit. (A store that cannot count
            // its keys here leaves the table to grow: the first block's read reports the store's error.)
            if let keys = try? store.withReadView({ try $0.keyCount() }) { pending.reserveCapacity(keys) }
            var parent = parent
            var seenCommitted = parent.block
            var latency = LatencyHistogram()
            defer { latencies.withLock { $0.execution = latency } }
            var clock = Stopwatch()
            // A block popped while filling a group that did not fit in it: the next group's first.
            var held: PreparedBlock?
            while let first = held ?? prepared.pop() {
                held = nil
                var items = [first]
                if grouping.transactions > 0, first.block.accessHints != nil {
                    // Only blocks already prepared join: a group never waits for the source.
                    var transactions = first.block.transactions.count
                    while items.count < grouping.blocks, transactions < grouping.transactions,
                        case .element(let next) = prepared.pop(until: .distantPast)
                    {
                        guard next.block.accessHints != nil, transactions + next.block.transactions.count <= grouping.transactions else {
                            held = next
                            break
                        }
                        items.append(next)
                        transactions += next.block.transactions.count
                    }
                }
                time.starvedSeconds += clock.lap()
                do {
                    // Blocks the store has committed are in the snapshot taken next: the table may forget them.
                    let storeHead = committed.withLock { $0.block }
                    if storeHead > seenCommitted {
                        pending.storeCommitted(through: storeHead)
                        seenCommitted = storeHead
                    }
                    let executedBlocks = try store.withReadView { view in
                        let state = pending.reader(over: view)
                        if items.count == 1 {
                            let block = first.block
                            return [
                                try executor.execute(
                                    block.transactions, context: block.context, parent: parent, state: state,
                                    authentications: first.authentications, accessHints: block.accessHints)
                            ]
                        }
                        let group = items.map {
                            GroupedBlock(
                                transactions: $0.block.transactions, context: $0.block.context, authentications: $0.authentications,
                                accessHints: $0.block.accessHints)
                        }
                        return try executor.execute(group: group, parent: parent, state: state)
                    }
                    for (item, executedBlock) in zip(items, executedBlocks) {
                        var executed = executedBlock
                        latency.record(seconds: executed.metrics.executionSeconds)
                        blockMetrics.record(executed)
                        pending.add(executed.changeSet, block: executed.header.number)
                        parent = executed.head
                        // What the store commits is the block as executed, whatever `afterExecution` drops from the report.
                        var commit = CommitItem(header: executed.header, changeSet: executed.changeSet, commitment: executed.commitment, executed: nil)
                        try afterExecution(item.block, &executed)
                        time.busySeconds += clock.lap()
                        commit.executed = executed
                        let pushed = appending ? executedQueue.push(executed) : commitQueue.push(commit)
                        time.blockedSeconds += clock.lap()
                        if !pushed { return }
                    }
                } catch {
                    record(error, stage: "execution")
                    return
                }
            }
        }
        if appending, let archive {
            startStage("archive", group: stages) {
                var time = PipelineStageTime(stage: "archive")
                defer {
                    executedQueue.close()
                    commitQueue.close()
                    reports.close()
                    time.queueHighWaterMark = executedQueue.highWaterMark
                    times.withLock { $0.archive = time }
                }
                var clock = Stopwatch()
                while let executed = executedQueue.pop() {
                    time.starvedSeconds += clock.lap()
                    do {
                        storeMetrics.archiveBytes.increment(by: try archive.append(ArchivedBlock(executed)))
                    } catch {
                        record(error, stage: "archive")
                        return
                    }
                    reports.push(executed)
                    time.busySeconds += clock.lap()
                    let pushed = commitQueue.push(
                        CommitItem(header: executed.header, changeSet: executed.changeSet, commitment: executed.commitment, executed: nil))
                    time.blockedSeconds += clock.lap()
                    if !pushed { return }
                }
            }
        }
        startStage("commit", group: stages) {
            var time = PipelineStageTime(stage: "commit")
            defer {
                commitQueue.close()
                if !appending { reports.close() }
                time.queueHighWaterMark = commitQueue.highWaterMark
                times.withLock { $0.commit = time }
            }
            var batch: [CommitItem] = []
            var deadline = Date.distantFuture
            var clock = Stopwatch()
            while true {
                let popped = commitQueue.pop(until: batch.isEmpty ? nil : deadline)
                time.starvedSeconds += clock.lap()
                var finished = false
                switch popped {
                case .element(let item):
                    if batch.isEmpty { deadline = Date(timeIntervalSinceNow: commitInterval) }
                    batch.append(item)
                    if batch.count < commitLimit { continue }
                case .timedOut: break
                case .finished: finished = true
                }
                if !batch.isEmpty {
                    do {
                        var commitClock = Stopwatch()
                        let head = try store.commit(
                            blocks: batch.map { ($0.header, $0.changeSet) }, commitment: batch[batch.count - 1].commitment)
                        let seconds = commitClock.lap()
                        committed.withLock { $0 = CommitProgress(block: head.block, commits: $0.commits + 1, head: head) }
                        latencies.withLock { $0.commit.record(seconds: seconds) }
                        storeMetrics.recordCommit(seconds: seconds, usage: { try store.storageUsage() })
                        logger.debug(
                            "store commit",
                            metadata: ["blocks": "\(batch[0].header.number)...\(head.block)", "seconds": "\(seconds)"])
                    } catch {
                        record(error, stage: "commit")
                        return
                    }
                    for item in batch { if let executed = item.executed { reports.push(executed) } }
                    batch = []
                    time.busySeconds += clock.lap()
                }
                if finished { return }
            }
        }

        // The source of blocks is the caller's thread, which also reports durable blocks between them.
        var report = PipelineReport()
        var time = PipelineStageTime(stage: "source")
        var callerFailure: (any Error)?
        var durableFailed = false
        func deliver(_ executed: ExecutedBlock<Executor.Transaction>) {
            report.blocks += 1
            report.transactions += Int(executed.header.transactionCount)
            // Blocks made durable after `next` failed are still reported; after `durable` failed, none is.
            guard !durableFailed else { return }
            do { try durable(executed) } catch {
                durableFailed = true
                if callerFailure == nil { callerFailure = error }
            }
        }
        var clock = Stopwatch()
        var number = parent.block + 1
        while callerFailure == nil, failure.withLock({ $0 == nil }) {
            while case .element(let executed) = reports.pop(until: .distantPast) { deliver(executed) }
            do {
                guard let block = try next(number) else { break }
                guard block.context.number == number else { throw PipelineError.unexpectedBlock(expected: number, got: block.context.number) }
                time.busySeconds += clock.lap()
                let pushed = proposed.push(block)
                time.blockedSeconds += clock.lap()
                if !pushed { break }
            } catch {
                callerFailure = error
            }
            number += 1
        }
        proposed.close()
        while let executed = reports.pop() { deliver(executed) }
        stages.wait()

        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        report.tps = report.seconds > 0 ? Double(report.transactions) / report.seconds : 0
        let progress = committed.withLock { $0 }
        report.storeCommits = progress.commits
        report.headBlock = progress.head.block
        report.stateCommitment = progress.head.commitment.digest.hex
        report.stages = times.withLock { $0.inOrder(source: time, appending: appending) }
        (report.executionLatency, report.commitLatency) = latencies.withLock { ($0.execution, $0.commit) }
        if let error = failure.withLock({ $0 }) ?? callerFailure { throw error }
        return report
    }
}

/// Where a pipeline starts from.
public struct PipelineStart: Sendable {
    /// The store's head.
    public var head: StoreHead
    /// The archived blocks that the store lacked and were applied to it, if any.
    public var recovered: ClosedRange<UInt64>?
}

/// Each stage's time, named.
private struct StageTimes {
    var preExecution = PipelineStageTime(stage: "pre-execution")
    var execution = PipelineStageTime(stage: "execution")
    var archive = PipelineStageTime(stage: "archive")
    var commit = PipelineStageTime(stage: "commit")

    /// The stages in pipeline order, the source first; the archive stage only when there was one.
    func inOrder(source: PipelineStageTime, appending: Bool) -> [PipelineStageTime] {
        appending ? [source, preExecution, execution, archive, commit] : [source, preExecution, execution, commit]
    }
}

extension BlockPipeline where Log == NoBlockLog {
    /// Creates a pipeline without a log: the store is the log (every block is committed on its own before it
    /// is reported durable).
    public convenience init(
        executor: Executor, store: Store, configuration: PipelineConfiguration = PipelineConfiguration(),
        logger: Logger = TakeoffLogging.silent
    ) {
        self.init(executor: executor, store: store, archive: nil, configuration: configuration, logger: logger)
    }
}

/// What the commit stage has done so far.
private struct CommitProgress: Sendable {
    var block: UInt64
    var commits: Int
    var head: StoreHead
}

/// Runs `body` on a new thread named `name`, inside `group`.
private func startStage(_ name: String, group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
    group.enter()
    // The body (and what it captured: the store, the archive) is released before the group is left, so that
    // a caller that reopens the store once the run returns finds no reference left behind.
    let stage = StageBody(body)
    let thread = Thread {
        stage.run()
        group.leave()
    }
    thread.name = "takeoff \(name)"
    thread.stackSize = 1 << 22
    thread.start()
}

/// A stage's work, dropped once it has run.
private final class StageBody: @unchecked Sendable {
    // @unchecked: `body` is read and cleared by the stage's own thread only.
    private var body: (@Sendable () -> Void)?

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func run() {
        body?()
        body = nil
    }
}
