import Dispatch
import Logging
import Metrics
import TakeoffCore
import TakeoffStore

/// How a replay rebuilds state.
public enum ReplayMode: String, Sendable, CaseIterable {
    /// Re-execute every block with the parallel executor and compare the result with the archive.
    case execute
    /// Apply the archived change sets without executing, merged over windows of blocks.
    case apply
}

/// What a replay did.
public struct ReplayReport: Sendable, Encodable {
    /// The first block replayed (nil when there was nothing to do).
    public var fromBlock: UInt64?
    /// The last block replayed.
    public var toBlock: UInt64?
    public var blocks = 0
    public var transactions = 0
    public var seconds = 0.0
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
    /// Execute mode: the executor's metrics over the replayed blocks (nil in apply mode).
    public var metrics: ExecutionTotals?
    /// Execute mode: the gas the replayed blocks' receipts used.
    public var gasUsed: UInt64 = 0
    /// Execute mode: each block's execution time.
    public var executionLatency = LatencyHistogram()
    /// Each store commit's time: a window of blocks, or a merged range (apply mode merges and commits).
    public var commitLatency = LatencyHistogram()

    /// Transactions per second.
    public var tps = 0.0

    /// Sets the elapsed time, and the rate with it.
    mutating func setHead(_ head: StoreHead) {
        headBlock = head.block
        headHash = head.blockHash.hex
        stateCommitment = head.commitment.digest.hex
    }

    mutating func setElapsed(since start: UInt64) {
        seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        tps = seconds > 0 ? Double(transactions) / seconds : 0
    }

    private enum CodingKeys: String, CodingKey {
        case fromBlock, toBlock, blocks, transactions, seconds, tps, verifiedBlocks, headBlock, headHash, stateCommitment, anchorsChecked, skippedBlocks,
            notes, stages, metrics,
            gasUsed, executionLatency, commitLatency
    }

    /// Encodes every field, `fromBlock` and `toBlock` as null when nothing was replayed (scripts can rely on
    /// every key being there).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(fromBlock, forKey: .fromBlock)
        try container.encode(toBlock, forKey: .toBlock)
        try container.encode(blocks, forKey: .blocks)
        try container.encode(transactions, forKey: .transactions)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(tps, forKey: .tps)
        try container.encode(verifiedBlocks, forKey: .verifiedBlocks)
        try container.encode(headBlock, forKey: .headBlock)
        try container.encode(headHash, forKey: .headHash)
        try container.encode(stateCommitment, forKey: .stateCommitment)
        try container.encode(anchorsChecked, forKey: .anchorsChecked)
        try container.encode(skippedBlocks, forKey: .skippedBlocks)
        try container.encode(notes, forKey: .notes)
        try container.encode(stages, forKey: .stages)
        try container.encode(metrics, forKey: .metrics)
        try container.encode(gasUsed, forKey: .gasUsed)
        try container.encode(executionLatency.percentiles, forKey: .executionLatency)
        try container.encode(commitLatency.percentiles, forKey: .commitLatency)
    }
}

/// Rebuilds a state store from an archive, checking every block it materializes against the archive's
/// commitment, hash chain and digests. It continues from the store's head, so an interrupted replay
/// resumes where it stopped and never applies a block twice.
public struct Replayer<Logic: TransactionLogic> {
    /// The archive to read.
    public let archive: BlockArchive
    /// The store to rebuild.
    public let store: StateStore
    /// Execute or apply.
    public let mode: ReplayMode
    /// Execute mode: the executor (signature checks off by default: archived blocks were checked when they
    /// were first executed). The archived access sets serve as its dependency hints.
    public let executor: ParallelExecutor<Logic>
    /// Blocks merged into one commit: apply mode merges their change sets before checking the commitment;
    /// execute mode still checks every block but commits them together, which saves the store rewriting
    /// the same pages block after block (a crash loses nothing: the archive has the blocks).
    public let window: Int
    /// Apply mode: use the archive's merged range files (``BlockArchive/compact(rangeSize:progress:)``) where they fit.
    public let useMergedRanges: Bool
    /// Where the replay logs (its start and end at info, the pipeline's and executor's messages below).
    public let logger: Logger
    /// Block hashes trusted from elsewhere, checked against the archive before anything is replayed.
    public let anchors: TrustAnchors
    /// Apply mode's figures in swift-metrics (execute mode's come from the pipeline): the store's commits,
    /// size and free pages, and the blocks and transactions applied.
    private let storeMetrics = StoreMetrics()
    private let appliedBlocks = Counter(label: "takeoff_applied_blocks_total")
    private let appliedTransactions = Counter(label: "takeoff_transactions_total")

    /// Creates a replayer for the chain whose logic (and rules) is `logic`.
    public init(
        archive: BlockArchive, store: StateStore, mode: ReplayMode, logic: Logic,
        threads: Int = 2, window: Int = 64, verifySignatures: Bool = false, useMergedRanges: Bool = true,
        anchors: TrustAnchors = .none, logger: Logger = TakeoffLogging.silent
    ) {
        self.logger = logger
        self.anchors = anchors
        self.archive = archive
        self.store = store
        self.mode = mode
        self.window = max(window, 1)
        self.useMergedRanges = useMergedRanges
        executor = ParallelExecutor(
            logic: logic, options: ExecutionOptions(verifySignatures: verifySignatures), threads: threads, logger: logger)
    }

    /// Replays blocks `from...to` (defaults: the store's head + 1 and the archive's last block).
    /// - Parameters:
    ///   - from: the first block to replay; by default the one after the store's head.
    ///   - to: the last block to replay; by default the archive's last.
    ///   - progress: called after each commit with the report so far.
    /// - Throws: ``ReplayError``, ``ArchiveError`` (with segment, block and offset), `StateStoreError` or
    ///   `ExecutionError`; the store then holds the last block that passed every check.
    public func run(from: UInt64? = nil, to: UInt64? = nil, progress: (ReplayReport) -> Void = { _ in }) throws -> ReplayReport {
        var report = ReplayReport()
        guard let archiveHead = archive.head else { throw ReplayError.cannotStart("the archive is empty") }
        let end = min(to ?? archiveHead, archiveHead)
        if let to, to > archiveHead {
            throw ReplayError.cannotStart("--to \(to) is past the archive's last block \(archiveHead)")
        }
        // Before anything is loaded from the archive. Every block replayed is then checked against its archived
        // header, and headers chain by hash: the anchored headers pin the history the store is built from.
        report.anchorsChecked = try anchors.check(against: archive, through: end)
        var head = try store.head() ?? initializeFromArchive()
        // Timed from here: loading the genesis state is not replaying blocks.
        let started = DispatchTime.now().uptimeNanoseconds
        let ranges = mode == .apply && useMergedRanges ? archive.mergedRanges() : []
        if let from, from > head.block + 1 {
            throw ReplayError.cannotStart(
                "the store is at block \(head.block); replaying from block \(from) would skip blocks \(head.block + 1)...\(from - 1)")
        }
        if let from, from <= head.block { report.skippedBlocks = Int(min(head.block, end) - from + 1) }
        logger.info(
            "replay", metadata: ["mode": "\(mode.rawValue)", "store head": "\(head.block)", "to": "\(end)", "archive": "\(archive.directory)"])
        defer { logger.info("replay ended", metadata: ["blocks": "\(report.blocks)", "head": "\(report.headBlock)"]) }
        if mode == .execute {
            try replayOnPipeline(through: end, over: head, report: &report, started: started, progress: progress)
            head = try store.head() ?? head
            report.setHead(head)
            report.setElapsed(since: started)
            return report
        }
        var next = head.block + 1
        while next <= end {
            if let range = ranges.first(where: { $0.lowerBound == next && $0.upperBound <= end }),
                let (newHead, transactions) = try timedCommit(into: &report.commitLatency, { try applyMergedRange(range, over: head, notes: &report.notes) })
            {
                appliedBlocks.increment(by: range.count)
                appliedTransactions.increment(by: transactions)
                if report.fromBlock == nil { report.fromBlock = next }
                report.toBlock = range.upperBound
                report.blocks += range.count
                report.transactions += transactions
                report.verifiedBlocks += 1
                head = newHead
                report.setHead(head)
                report.setElapsed(since: started)
                progress(report)
                next = range.upperBound + 1
                continue
            }
            let last = min(end, next + UInt64(window) - 1)
            // Read and check the window's blocks; on the first bad one, still commit the good ones before it,
            // so that the store ends at the last good block.
            // Apply mode reads each block's header and change set, never its transactions.
            var blocks: [ArchivedChanges] = []
            var failure: (any Error)?
            for number in next...last {
                do {
                    let block = try archive.readChanges(number)
                    try checkLinks(block.header, changeSet: block.changeSet, parentHash: blocks.last?.header.hash ?? head.blockHash)
                    blocks.append(block)
                } catch {
                    failure = error
                    break
                }
            }
            if blocks.isEmpty { throw failure! }
            let (newHead, verified) = try timedCommit(into: &report.commitLatency) { try apply(blocks, over: head) }
            appliedBlocks.increment(by: blocks.count)
            appliedTransactions.increment(by: blocks.reduce(0) { $0 + Int($1.header.transactionCount) })
            if report.fromBlock == nil { report.fromBlock = next }
            report.toBlock = last
            report.blocks += blocks.count
            report.transactions += blocks.reduce(0) { $0 + Int($1.header.transactionCount) }
            report.verifiedBlocks += verified
            head = newHead
            report.setHead(head)
            report.setElapsed(since: started)
            progress(report)
            if let failure { throw failure }
            next = last + 1
        }
        report.setHead(head)
        report.setElapsed(since: started)
        return report
    }

    /// A new store starts from the archive's block 0, the genesis state.
    private func initializeFromArchive() throws -> StoreHead {
        guard archive.firstBlock == 0 else {
            throw ReplayError.cannotStart(
                "the store is empty and the archive does not start at genesis (block 0): import a snapshot first")
        }
        return try archive.loadGenesis(into: store)
    }

    /// Checks a block's link to its parent and, in apply mode, that the change set to apply is the one its
    /// header names. (Execute mode recomputes every digest and compares the whole header instead.)
    private func checkLinks(_ header: BlockHeader, changeSet: ChangeSet, parentHash: Hash32) throws {
        guard header.parentHash == parentHash else {
            throw ReplayError.brokenChain(block: header.number, expectedParent: parentHash, archivedParent: header.parentHash)
        }
        if mode == .apply, changeSet.digest != header.changeSetDigest {
            throw ReplayError.inconsistentBlock(block: header.number, reason: "the change set does not match the header's digest")
        }
    }

    /// Re-executes blocks `head.block + 1...end` on a ``BlockPipeline``: this thread reads and checks each
    /// block ahead of execution, the executor takes the recorded access sets as its dependency hints, every
    /// re-executed header is compared with the archived one, and the store commits `window` blocks at a
    /// time. A bad block stops the replay after the blocks before it are committed.
    private func replayOnPipeline(
        through end: UInt64, over head: StoreHead, report: inout ReplayReport, started: UInt64, progress: (ReplayReport) -> Void
    ) throws {
        guard head.block < end else { return }
        let pipeline = BlockPipeline(
            executor: executor, store: store, configuration: PipelineConfiguration(commitBlocks: window), logger: logger)
        report.metrics = ExecutionTotals()
        var parentHash = head.blockHash
        let pipelineReport = try pipeline.drive(
            parent: head, appending: false, batching: true,
            next: { number in
                guard number <= end else { return nil }
                let block = try archive.read(number, as: Logic.Transaction.self)
                try checkLinks(block.header, changeSet: block.changeSet, parentHash: parentHash)
                parentHash = block.header.hash
                return PipelineBlock(
                    transactions: block.transactions, context: block.header.context, accessHints: block.accessSets,
                    expectedHeader: block.header)
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

    /// `body`'s result (an apply-mode commit), its duration recorded in `latency` and in the store's metrics.
    private func timedCommit<Result>(into latency: inout LatencyHistogram, _ body: () throws -> Result) rethrows -> Result {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            latency.record(seconds: seconds)
            storeMetrics.recordCommit(seconds: seconds, of: store)
        }
        return try body()
    }

    /// Applies a window of checked blocks as one merged change set; when the window's commitment does not match,
    /// applies its blocks one by one to stop exactly at the first bad one.
    private func apply(_ blocks: [ArchivedChanges], over head: StoreHead) throws -> (StoreHead, Int) {
        guard blocks.count > 1 else { return (try commitOne(blocks[0]), 1) }
        let last = blocks[blocks.count - 1]
        do {
            let merged = ChangeSet.merging(blocks.lazy.map(\.changeSet))
            return (try store.commit(last.header, changeSet: merged, firstBlock: blocks[0].number), 1)
        } catch StateStoreError.commitmentMismatch {
            var newHead = head
            for block in blocks { newHead = try commitOne(block) }
            return (newHead, blocks.count)
        }
    }

    /// Applies a merged range file in one commit, after checking its headers link to the head, to each
    /// other and to the archive's own last block. Returns nil when its commitment does not match, so that the
    /// caller applies the blocks themselves and stops exactly at the bad one.
    private func applyMergedRange(_ range: ClosedRange<UInt64>, over head: StoreHead, notes: inout [String]) throws -> (StoreHead, Int)? {
        let merged: MergedRange
        do { merged = try archive.readMergedRange(range) } catch let error as ArchiveError {
            // A range file is only a shortcut: the segments hold the same blocks.
            notes.append("merged range \(range.lowerBound)...\(range.upperBound) is unusable (\(error)); applied its blocks instead")
            return nil
        }
        var parentHash = head.blockHash
        for header in merged.headers {
            guard header.parentHash == parentHash else {
                throw ReplayError.brokenChain(block: header.number, expectedParent: parentHash, archivedParent: header.parentHash)
            }
            parentHash = header.hash
        }
        let lastHeader = merged.headers[merged.headers.count - 1]
        guard try archive.readChanges(range.upperBound).header == lastHeader else {
            throw ReplayError.inconsistentBlock(
                block: range.upperBound, reason: "the merged range's last header is not the archived block's header")
        }
        do {
            return (try store.commit(lastHeader, changeSet: merged.changeSet, firstBlock: range.lowerBound), merged.transactions)
        } catch StateStoreError.commitmentMismatch {
            return nil
        }
    }

    private func commitOne(_ block: ArchivedChanges) throws -> StoreHead {
        do {
            return try store.commit(block.header, changeSet: block.changeSet)
        } catch StateStoreError.commitmentMismatch(let number, let header, let computed) {
            throw ReplayError.commitmentMismatch(block: number, archived: header, computed: computed)
        }
    }
}
