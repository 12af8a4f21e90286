import Dispatch
import Logging
import Metrics
import Synchronization
import TakeoffCore

/// How a replay rebuilds state.
public enum ReplayMode: String, Sendable, CaseIterable {
    /// Re-execute every block with the parallel executor and compare the result with the archive.
    case execute
    /// Apply the archived change sets without executing, merged over windows of blocks.
    case apply
}

/// What a replay did.
public struct ReplayReport: Sendable, Encodable {
    /// The first block replayed (nil when there was nothing to do; encoded as null, so that scripts find every key).
    @EncodedAsNull public var fromBlock: UInt64?
    /// The last block replayed.
    @EncodedAsNull public var toBlock: UInt64?
    public var blocks = 0
    public var transactions = 0
    public var seconds = 0.0
    /// Transactions per second.
    public var tps = 0.0
    /// Blocks whose recomputed commitment was checked against the archive.
    public var verifiedBlocks = 0
    public var headBlock: UInt64 = 0
    public var stateCommitment = ""
    /// The head block's hash, ready to be published as a trust anchor.
    public var headHash = ""
    /// The trust anchors checked against the archive before the replay, in block order.
    public var anchorsChecked: [TrustAnchor] = []
    /// Blocks already in the store when the replay started, skipped.
    public var skippedBlocks = 0
    /// What the replay worked around, e.g. a damaged merged range file it replaced with the blocks themselves.
    public var notes: [String] = []
    /// Execute mode: where each stage of the pipeline spent its time.
    public var stages: [PipelineStageTime] = []
    /// Execute mode: the executor's metrics over the replayed blocks (nil, encoded as null, in apply mode).
    @EncodedAsNull public var metrics: ExecutionTotals?
    /// Execute mode: the gas the replayed blocks' receipts used.
    public var gasUsed: UInt64 = 0
    /// Execute mode: each block's execution time.
    public var executionLatency = LatencyHistogram()
    /// Each store commit's time: a window of blocks, or a merged range (apply mode merges and commits).
    public var commitLatency = LatencyHistogram()


    /// Sets the head the report ends at.
    mutating func setHead(_ head: StoreHead) {
        headBlock = head.block
        headHash = head.blockHash.hex
        stateCommitment = head.commitment.digest.hex
    }

    /// Sets the elapsed time, and the rate with it.
    mutating func setElapsed(since start: UInt64) {
        seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        tps = seconds > 0 ? Double(transactions) / seconds : 0
    }

    /// Counts a commit of blocks that were applied, not executed.
    mutating func add(_ commit: AppliedCommit) {
        if fromBlock == nil { fromBlock = commit.blocks.lowerBound }
        toBlock = commit.blocks.upperBound
        blocks += commit.blocks.count
        transactions += commit.transactions
        verifiedBlocks += commit.verifiedBlocks
        commitLatency.record(seconds: commit.seconds)
        setHead(commit.head)
    }
}

/// Rebuilds a state store from a block log, checking every block it materializes against the log's
/// commitment, hash chain and digests. It continues from the store's head, so an interrupted replay resumes
/// where it stopped and never applies a block twice.
///
/// Execute mode re-executes each block on a ``BlockPipeline`` with the executor the caller configured (the
/// logged access sets as its dependency hints) and compares every header with the logged one; apply mode
/// applies the logged change sets (`ChangeSetApplier`), merged over windows, and the log's merged ranges where
/// they fit.
public struct Replayer<Executor: BlockExecutor, Store: StateStore, Log: BlockLog> {
    /// The log to read.
    public let archive: Log
    /// The store to rebuild.
    public let store: Store
    /// Execute or apply.
    public let mode: ReplayMode
    /// Execute mode: the executor. Logged blocks were checked when they were first executed, so a replay
    /// usually runs it with signature checks off.
    public let executor: Executor
    /// Blocks merged into one commit: apply mode merges their change sets before checking the commitment;
    /// execute mode still checks every block but commits them together, which saves the store rewriting
    /// the same pages block after block (a crash loses nothing: the log has the blocks).
    public let window: Int
    /// Apply mode: use the log's merged ranges where they fit.
    public let useMergedRanges: Bool
    /// Execute mode: consecutive blocks of at most this many transactions in all run as one group
    /// (`BlockExecutor.execute(group:parent:state:)`: with the parallel executor, one dependency graph over
    /// the blocks); 0 runs every block on its own. Headers are still checked block by block.
    public let crossBlockTransactions: Int
    /// Blocks prepared ahead of execution when grouping: a group holds at most one more.
    static var groupQueueDepth: Int { 15 }
    /// Where the replay logs (its start and end at info, the pipeline's and executor's messages below).
    public let logger: Logger
    /// Block hashes trusted from elsewhere, checked against the log before anything is replayed.
    public let anchors: TrustAnchors
    /// Apply mode's figures in swift-metrics (execute mode's come from the pipeline): the store's commits,
    /// size and free pages, and the blocks and transactions applied.
    private let storeMetrics = StoreMetrics()
    private let appliedBlocks = Counter(label: "takeoff_applied_blocks_total")
    private let appliedTransactions = Counter(label: "takeoff_transactions_total")

    /// Creates a replayer.
    /// - Parameters:
    ///   - archive: the log to read.
    ///   - store: the store to rebuild.
    ///   - mode: execute or apply.
    ///   - executor: runs each block in execute mode (unused in apply mode), as its caller configured it.
    ///   - window: blocks per commit (at least 1).
    ///   - useMergedRanges: apply mode: use the log's merged ranges where they fit.
    ///   - crossBlockTransactions: execute mode: transactions in a group of blocks run together, at most (0: none).
    ///   - anchors: block hashes to check the log against first.
    ///   - logger: where to log; by default nowhere.
    public init(
        archive: Log, store: Store, mode: ReplayMode, executor: Executor, window: Int = 64, useMergedRanges: Bool = true,
        crossBlockTransactions: Int = PipelineConfiguration().crossBlockTransactions, anchors: TrustAnchors = .none,
        logger: Logger = TakeoffLogging.silent
    ) {
        self.crossBlockTransactions = max(0, crossBlockTransactions)
        self.archive = archive
        self.store = store
        self.mode = mode
        self.executor = executor
        self.window = max(window, 1)
        self.useMergedRanges = useMergedRanges
        self.anchors = anchors
        self.logger = logger
    }

    /// Replays blocks `from...to` (defaults: the store's head + 1 and the log's last block).
    /// - Parameters:
    ///   - from: the first block to replay; by default the one after the store's head.
    ///   - to: the last block to replay; by default the log's last.
    ///   - progress: called after each commit with the report so far.
    /// - Throws: `ReplayError`, the log's errors (the zstd archive's name segment, block and offset), the
    ///   store's, or `ExecutionError`; the store then holds the last block that passed every check.
    public func run(from: UInt64? = nil, to: UInt64? = nil, progress: (ReplayReport) -> Void = { _ in }) throws -> ReplayReport {
        var report = ReplayReport()
        guard let logHead = archive.head else { throw ReplayError.emptyLog(location: archive.location) }
        let end = min(to ?? logHead, logHead)
        if let to, to > logHead { throw ReplayError.pastLogHead(requested: to, head: logHead) }
        // Before anything is loaded from the log. Every block replayed is then checked against its logged
        // header, and headers chain by hash: the anchored headers pin the history the store is built from.
        report.anchorsChecked = try anchors.check(against: archive, through: end)
        var head = try store.head() ?? initializeFromLog()
        // A store that already has a head (a resumed replay, an imported snapshot, a range task's starting state)
        // must hold the log's state at that block before anything runs on it: otherwise every block after it would
        // be blamed for a difference that was there before.
        if let first = archive.firstBlock, head.block >= first, head.block <= logHead {
            try ReplayError.checkStart(head, against: try archive.readChanges(head.block).header)
        }
        // Timed from here: loading the genesis state is not replaying blocks.
        let started = DispatchTime.now().uptimeNanoseconds
        if let from, from > head.block + 1 { throw ReplayError.gap(storeHead: head.block, from: from) }
        if let from, from <= head.block { report.skippedBlocks = Int(min(head.block, end) - from + 1) }
        logger.info(
            "replay", metadata: ["mode": "\(mode.rawValue)", "store head": "\(head.block)", "to": "\(end)", "archive": "\(archive.location)"])
        defer { logger.info("replay ended", metadata: ["blocks": "\(report.blocks)", "head": "\(report.headBlock)"]) }
        if mode == .execute {
            try replayOnPipeline(through: end, over: head, report: &report, started: started, progress: progress)
            head = try store.head() ?? head
            report.setHead(head)
            report.setElapsed(since: started)
            return report
        }
        report.setHead(head)
        var applier = ChangeSetApplier(store: store, log: archive)
        try applier.apply(
            over: head, through: end, window: window, merging: true, mergedRanges: useMergedRanges ? archive.mergedRanges() : []
        ) { commit in
            storeMetrics.recordCommit(seconds: commit.seconds, usage: { try store.storageUsage() })
            appliedBlocks.increment(by: commit.blocks.count)
            appliedTransactions.increment(by: commit.transactions)
            report.add(commit)
            report.setElapsed(since: started)
            progress(report)
        }
        report.notes = applier.notes
        report.setElapsed(since: started)
        return report
    }

    /// A new store starts from the log's block 0, the genesis state.
    private func initializeFromLog() throws -> StoreHead {
        guard archive.firstBlock == 0 else { throw ReplayError.noGenesis(firstBlock: archive.firstBlock) }
        return try store.loadGenesis(from: archive)
    }

    /// Re-executes blocks `head.block + 1...end` on a ``BlockPipeline``: this thread reads and checks each
    /// block's link ahead of execution, the executor takes the logged access sets as its dependency hints,
    /// every re-executed header is compared with the logged one, and the store commits `window` blocks at a
    /// time. A bad block stops the replay after the blocks before it are committed.
    private func replayOnPipeline(
        through end: UInt64, over head: StoreHead, report: inout ReplayReport, started: UInt64, progress: (ReplayReport) -> Void
    ) throws {
        guard head.block < end else { return }
        let pipeline = BlockPipeline(
            executor: executor, store: store, configuration: PipelineConfiguration(
                // Groups are the blocks prepared ahead: deep enough queues to fill one.
                queueDepth: crossBlockTransactions > 0 ? Self.groupQueueDepth : PipelineConfiguration().queueDepth, commitBlocks: window,
                crossBlockTransactions: crossBlockTransactions, crossBlockBlocks: Self.groupQueueDepth + 1),
            logger: logger)
        report.metrics = ExecutionTotals()
        var parentHash = head.blockHash
        // The logged headers the execution stage compares with, from the reading thread.
        let expected = Mutex<[UInt64: BlockHeader]>([:])
        let pipelineReport = try pipeline.rebuild(
            from: head,
            next: { number in
                guard number <= end else { return nil }
                let block = try archive.read(number, as: Executor.Transaction.self)
                try ReplayError.checkLink(block.header, parentHash: parentHash)
                parentHash = block.header.hash
                expected.withLock { $0[number] = block.header }
                return PipelineBlock(transactions: block.transactions, context: block.header.context, accessHints: block.accessSets)
            },
            afterExecution: { _, executed in
                // `next` recorded every block's logged header before handing the block over.
                guard let logged = expected.withLock({ $0.removeValue(forKey: executed.header.number) }) else {
                    preconditionFailure("block \(executed.header.number) was executed without its logged header")
                }
                try ReplayError.check(executed.header, against: logged)
                // The report needs the header and metrics only: a batch waiting for its commit does not hold its
                // blocks' transactions.
                executed.block.transactions = []
                executed.receipts = []
                executed.accessSets = []
            },
            durable: { executed in
                if report.fromBlock == nil { report.fromBlock = executed.header.number }
                report.toBlock = executed.header.number
                report.blocks += 1
                report.transactions += Int(executed.header.transactionCount)
                report.verifiedBlocks += 1
                report.metrics?.add(executed.metrics)
                report.gasUsed &+= executed.gasUsed
                report.executionLatency.record(seconds: executed.metrics.executionSeconds)
                report.headBlock = executed.header.number
                report.headHash = executed.header.hash.hex
                report.stateCommitment = executed.commitment.digest.hex
                report.setElapsed(since: started)
                progress(report)
            })
        report.stages = pipelineReport.stages
        report.commitLatency = pipelineReport.commitLatency
    }
}
