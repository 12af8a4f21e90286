import Foundation
import Logging

/// When the parallel executor runs a block sequentially instead.
public struct FallbackPolicy: Hashable, Sendable {
    /// Blocks with fewer transactions run sequentially: starting workers costs more than they save.
    public var minimumBlockSize: Int
    /// Blocks whose estimated parallelism (transactions divided by the longest chain of transactions that
    /// write a common key, from ``TransactionLogic/conflictKeys(of:)``) is below this run sequentially.
    public var minimumEstimatedParallelism: Double
    /// A parallel run that starts more than this many executions per transaction stops and runs the block
    /// sequentially: a cap on wasted work, never a verdict on the block.
    public var maximumIncarnationsPerTransaction: Int

    /// Whether one worker thread means running sequentially (it always pays; tests turn it off to run the
    /// parallel machinery on one thread).
    public var sequentialOnOneThread: Bool
    /// Whether to learn from recent blocks: when parallel runs of blocks like the next one (same size, gas
    /// and estimated parallelism, to a power of two) turned out slower per transaction than sequential runs
    /// (cheap transactions on few cores), run it sequentially, probing the other path now and then (see
    /// `PathHistory`).
    public var adaptive: Bool
    /// How many transactions from the start of a block the up-front dependency estimate looks at.
    public var analysisSampleSize: Int

    /// Creates a policy.
    public init(
        minimumBlockSize: Int = 16, minimumEstimatedParallelism: Double = 1.25, maximumIncarnationsPerTransaction: Int = 4,
        sequentialOnOneThread: Bool = true, adaptive: Bool = true, analysisSampleSize: Int = 2_048
    ) {
        self.minimumBlockSize = minimumBlockSize
        self.minimumEstimatedParallelism = minimumEstimatedParallelism
        self.maximumIncarnationsPerTransaction = maximumIncarnationsPerTransaction
        self.sequentialOnOneThread = sequentialOnOneThread
        self.adaptive = adaptive
        self.analysisSampleSize = analysisSampleSize
    }

    /// A policy that never falls back up front (only the re-execution cap remains), for tests that must
    /// exercise the parallel path.
    public static let alwaysParallel = FallbackPolicy(
        minimumBlockSize: 0, minimumEstimatedParallelism: 0, sequentialOnOneThread: false, adaptive: false)
}

/// The Block-STM executor: speculates on worker threads over multi-version memory, validates read sets,
/// re-executes what read stale data, and returns exactly what ``SequentialExecutor`` returns.
///
/// Terms: a transaction's *index* is its place in the block; each execution of it is an *incarnation*;
/// the *read set* is what an incarnation read (key and value); a failed validation *aborts* the incarnation
/// and turns its writes into *estimates*, which make readers wait for it instead of reading stale values.
/// Files: `MultiVersionMemory` (versions per key), `Scheduler` (tasks and statuses),
/// `ParallelBlockRun` (the worker loop, recording and validation), this file (paths and fallback).
///
/// Workers are dedicated threads; nothing runs on the Swift concurrency pool.
public struct ParallelExecutor<Logic: TransactionLogic>: BlockExecutor {
    /// Runs each transaction (shared with the sequential fallback).
    public let processor: TransactionProcessor<Logic>
    /// Worker threads per block.
    public let threads: Int
    /// When to run sequentially instead.
    public let policy: FallbackPolicy
    /// Where the executor says which blocks fell back to the sequential path, and why (at debug level).
    public let logger: Logger
    private let sequential: SequentialExecutor<Logic>
    private let history = PathHistory()
    /// The paths' costs on cross-block groups, learned apart: a group is not a block of the same size (its
    /// sequential cost per transaction, measured block by block, carries every block's fixed costs).
    private let groupHistory = PathHistory()

    /// Creates a parallel executor.
    /// - Parameters:
    ///   - logic: the chain's payload logic, and through it its envelope rules and transaction type.
    ///   - options: engine settings shared with the sequential fallback.
    ///   - threads: worker threads; by default the number of active processors.
    ///   - policy: when to run a block sequentially instead.
    ///   - logger: where to log; by default nowhere.
    public init(
        logic: Logic, options: ExecutionOptions = ExecutionOptions(),
        threads: Int = ProcessInfo.processInfo.activeProcessorCount, policy: FallbackPolicy = FallbackPolicy(),
        logger: Logger = TakeoffLogging.silent
    ) {
        self.logger = logger
        processor = TransactionProcessor(logic: logic, options: options)
        sequential = SequentialExecutor(logic: logic, options: options)
        self.threads = max(1, threads)
        self.policy = policy
    }

    public func authenticate(_ transactions: [Logic.Transaction]) -> [ReceiptStatus?] {
        processor.options.authenticate(transactions, rules: processor.logic.rules)
    }

    /// Executes the block. `state` is read from several threads at once.
    public func execute(
        _ transactions: [Logic.Transaction], context: BlockContext, parent: StoreHead, state: some StateReader,
        authentications: [ReceiptStatus?]?, accessHints: [AccessSet]?
    ) throws(ExecutionError) -> ExecutedBlock<Logic.Transaction> {
        var stopwatch = Stopwatch()
        var metrics = ExecutionMetrics()
        metrics.threads = threads
        let authentications = authentications ?? authenticate(transactions)
        metrics.signatureSeconds = stopwatch.lap()

        let state: any StateReader = state
        var outcome: (receipts: [Receipt], changeSet: ChangeSet, accessSets: [AccessSet])?
        var costs: [Double]? = processor.options.measuresTransactionCosts ? [] : nil
        let hints = accessHints?.count == transactions.count ? accessHints : nil
        let analysis = analyze(transactions, hints: hints)
        let declaredGas = transactions.reduce(0.0) { $0 + Double($1.gasLimit) }
        // Blocks that run sequentially for what they are (small, chains) teach nothing about the paths' costs.
        var profile: PathHistory.Profile?
        if let reason = analysis.reasonToRunSequentially {
            metrics.fallbackReason = reason
        } else {
            profile = PathHistory.Profile(
                transactions: transactions.count, meanGas: declaredGas / Double(transactions.count), parallelism: analysis.parallelism)
            let choice = policy.adaptive
                ? history.choose(for: profile!, transactions: transactions.count, gas: declaredGas) : (path: .parallel, reason: nil)
            if choice.path == .parallel {
                outcome = try runInParallel(
                    transactions, authentications: authentications, layout: BlockLayout(context: context, count: transactions.count),
                    state: state, hints: hints, metrics: &metrics, costs: &costs)?[0]
                if outcome == nil { profile = nil }  // a run cut short measures nothing
            } else {
                metrics.fallbackReason = choice.reason
            }
        }
        if outcome == nil {
            if let reason = metrics.fallbackReason {
                logger.debug("sequential path", metadata: ["block": "\(context.number)", "reason": "\(reason)"])
            }
            metrics.path = .sequential
            metrics.incarnations += transactions.count
            if costs != nil { costs = [] }
            outcome = try sequential.run(transactions, authentications: authentications, context: context, state: state, costs: &costs)
        }
        metrics.executionSeconds = stopwatch.lap()
        if let profile {
            history.record(
                metrics.path, profile: profile, seconds: metrics.executionSeconds, transactions: transactions.count, gas: declaredGas)
        }
        var executed = ExecutedBlock(
            context: context, parent: parent, transactions: transactions, receipts: outcome!.receipts,
            changeSet: outcome!.changeSet, accessSets: outcome!.accessSets)
        metrics.finalizationSeconds = stopwatch.lap()
        executed.metrics = metrics
        executed.transactionCosts = costs ?? []
        return executed
    }

    /// Executes consecutive blocks. When every block carries its recorded access sets (a replay), the group
    /// is weighed like one block (its size, its parallelism from the hints, and the paths' measured costs on
    /// groups like it) and, unless that says sequential, runs as one parallel run over one multi-version
    /// memory: each transaction waits only for the earlier transactions, in its block or an earlier one,
    /// that wrote what it reads, so a block's stragglers overlap the next block's start. Each block still
    /// gets its own receipts, change set, commitment and header, exactly as if run alone. Otherwise, or when
    /// the run falls back, the blocks run one after another.
    public func execute(
        group: [GroupedBlock<Logic.Transaction>], parent: StoreHead, state: some StateReader
    ) throws(ExecutionError) -> [ExecutedBlock<Logic.Transaction>] {
        guard group.count > 1, group.allSatisfy({ $0.accessHints?.count == $0.transactions.count }) else {
            return try executeOneAfterAnother(group, parent: parent, state: state)
        }
        var stopwatch = Stopwatch()
        var metrics = ExecutionMetrics()
        metrics.threads = threads
        let transactions = group.flatMap { $0.transactions }
        let hints = group.flatMap { $0.accessHints! }
        let analysis = analyze(transactions, hints: hints)
        let declaredGas = transactions.reduce(0.0) { $0 + Double($1.gasLimit) }
        var choice: (path: ExecutionMetrics.Path, reason: FallbackReason?) = (.sequential, analysis.reasonToRunSequentially)
        var profile: PathHistory.Profile?
        if analysis.reasonToRunSequentially == nil {
            profile = PathHistory.Profile(
                transactions: transactions.count, meanGas: declaredGas / Double(transactions.count), parallelism: analysis.parallelism)
            choice = policy.adaptive ? groupHistory.choose(for: profile!, transactions: transactions.count, gas: declaredGas) : (.parallel, nil)
        }
        if choice.path == .sequential {
            // Block by block, each on the path it would take alone: the alternative a group is weighed against
            // (its history keeps this under the sequential path).
            let executed = try executeOneAfterAnother(group, parent: parent, state: state)
            if let profile {
                groupHistory.record(.sequential, profile: profile, seconds: stopwatch.lap(), transactions: transactions.count, gas: declaredGas)
            }
            return executed
        }

        var authentications: [ReceiptStatus?] = []
        authentications.reserveCapacity(transactions.count)
        for block in group { authentications.append(contentsOf: block.authentications ?? authenticate(block.transactions)) }
        metrics.signatureSeconds = stopwatch.lap()
        let layout = BlockLayout(contexts: group.map { $0.context }, counts: group.map { $0.transactions.count })
        var costs: [Double]? = processor.options.measuresTransactionCosts ? [] : nil
        guard
            let outcomes = try runInParallel(
                transactions, authentications: authentications, layout: layout, state: state as any StateReader, hints: hints,
                metrics: &metrics, costs: &costs)
        else {
            logger.debug("cross-block group ran block by block", metadata: ["blocks": "\(group.count)", "reason": "\(metrics.reason)"])
            return try executeOneAfterAnother(group, parent: parent, state: state)
        }
        let seconds = (execution: stopwatch.lap(), signatures: metrics.signatureSeconds)
        var executed: [ExecutedBlock<Logic.Transaction>] = []
        executed.reserveCapacity(group.count)
        var head = parent
        for (index, block) in group.enumerated() {
            var blockStopwatch = Stopwatch()
            // The group's counts go on its first block, so that sums over blocks stay right; its seconds are
            // shared out by transactions.
            var blockMetrics = index == 0 ? metrics : ExecutionMetrics()
            blockMetrics.path = .parallel
            blockMetrics.threads = threads
            blockMetrics.crossBlockGroup = group.count
            let share = Double(block.transactions.count) / Double(max(transactions.count, 1))
            blockMetrics.executionSeconds = seconds.execution * share
            blockMetrics.signatureSeconds = seconds.signatures * share
            var one = ExecutedBlock(
                context: block.context, parent: head, transactions: block.transactions, receipts: outcomes[index].receipts,
                changeSet: outcomes[index].changeSet, accessSets: outcomes[index].accessSets)
            if let costs, !costs.isEmpty { one.transactionCosts = Array(costs[layout.starts[index]..<layout.starts[index + 1]]) }
            blockMetrics.finalizationSeconds = blockStopwatch.lap()
            one.metrics = blockMetrics
            head = one.head
            executed.append(one)
        }
        if let profile {
            // Timed like the sequential path above: the blocks' change sets, commitments and headers included.
            let whole = seconds.signatures + seconds.execution + stopwatch.lap()
            groupHistory.record(.parallel, profile: profile, seconds: whole, transactions: transactions.count, gas: declaredGas)
        }
        return executed
    }

    /// What the executor can tell about a block before running it.
    struct BlockAnalysis {
        /// Why the block should not run in parallel at all, or nil.
        var reasonToRunSequentially: FallbackReason?
        /// Sampled transactions divided by the longest conflict chain among them; nil when unknown.
        var parallelism: Double?
    }

    /// Checks the block's size and estimates its parallelism from the logic's conflict keys or `hints`.
    func analyze(_ transactions: [Logic.Transaction], hints: [AccessSet]? = nil) -> BlockAnalysis {
        if threads == 1 && policy.sequentialOnOneThread { return BlockAnalysis(reasonToRunSequentially: .oneThread) }
        if transactions.count < policy.minimumBlockSize {
            return BlockAnalysis(reasonToRunSequentially: .smallBlock(transactions: transactions.count, minimum: policy.minimumBlockSize))
        }
        let sample = transactions.prefix(policy.analysisSampleSize)
        let depth = hints.map { criticalPathLength(writes: $0.prefix(sample.count).map(\.writes)) } ?? criticalPathLength(sample)
        guard let depth, !sample.isEmpty else { return BlockAnalysis() }
        let parallelism = Double(sample.count) / Double(depth)
        if parallelism < policy.minimumEstimatedParallelism {
            return BlockAnalysis(reasonToRunSequentially: .dependencyChain(longest: depth, sampled: sample.count), parallelism: parallelism)
        }
        return BlockAnalysis(parallelism: parallelism)
    }

    /// The longest chain of transactions in which each writes a key an earlier one in the chain writes, from
    /// the logic's conflict keys and the envelope's writes, over the first `analysisSampleSize`
    /// transactions; nil when the logic cannot tell.
    func criticalPathLength(_ transactions: ArraySlice<Logic.Transaction>) -> Int? {
        var chains = ChainLengths(expectedKeys: transactions.count * 3)
        var keys: [StateKey] = []
        for transaction in transactions {
            guard let payloadKeys = processor.logic.conflictKeys(of: transaction) else { return nil }
            keys.removeAll(keepingCapacity: true)
            keys.append(contentsOf: payloadKeys)
            processor.logic.rules.forEachEnvelopeWrite(of: transaction) { keys.append($0) }
            chains.add(transactionWriting: keys)
        }
        return chains.longest
    }

    /// The longest chain of transactions in which each writes a key an earlier one in the chain writes.
    func criticalPathLength(writes: [[StateKey]]) -> Int {
        var chains = ChainLengths(expectedKeys: writes.count * 3)
        for keys in writes { chains.add(transactionWriting: keys) }
        return chains.longest
    }

    /// The length of the longest chain ending at each key, as transactions are added in block order.
    struct ChainLengths {
        private var depthByKey: StateTable<Int>
        private(set) var longest = 0

        init(expectedKeys: Int) { depthByKey = StateTable(minimumCapacity: expectedKeys) }

        mutating func add(transactionWriting keys: [StateKey]) {
            var depth = 0
            for key in keys { depth = max(depth, depthByKey[key] ?? 0) }
            depth += 1
            for key in keys { depthByKey.updateValue(depth, forKey: key) }
            longest = max(longest, depth)
        }
    }

    /// Runs the blocks of `layout` (usually one) on the worker threads, one result per block; nil when the run
    /// fell back (the reason is in `metrics`).
    private func runInParallel(
        _ transactions: [Logic.Transaction], authentications: [ReceiptStatus?], layout: BlockLayout, state: any StateReader,
        hints: [AccessSet]?, metrics: inout ExecutionMetrics, costs: inout [Double]?
    ) throws(ExecutionError) -> [(receipts: [Receipt], changeSet: ChangeSet, accessSets: [AccessSet])]? {
        // A replay knows the block's conflicts: transactions wait for their recorded writers instead of
        // speculating past them (validation still checks every result).
        let recorded = hints.map(RecordedDependencies.init)
        // A transaction touches a handful of keys: sender, recipient, fee collector, a few more. A block that
        // touches many more runs again with a larger memory (twice at most) before falling back.
        var expectedKeys = transactions.count * 4
        for attempt in 1...3 {
            let run = ParallelBlockRun(
                transactions: transactions, authentications: authentications, layout: layout, processor: processor, state: state,
                maximumIncarnationsPerTransaction: policy.maximumIncarnationsPerTransaction, expectedKeys: expectedKeys,
                recordedDependencies: recorded)
            WorkerThreads.run(count: threads) { run.work() }
            metrics.path = .parallel
            metrics.incarnations += run.incarnations.load(ordering: .relaxed)
            metrics.aborts += run.aborts.load(ordering: .relaxed)
            metrics.validations += run.validations.load(ordering: .relaxed)
            metrics.dependencyWaits += run.dependencyWaits.load(ordering: .relaxed)
            switch run.stopReason {
            case .failure(let error)?:
                throw error
            case .fallback(.keyTableFull)? where attempt < 3:
                expectedKeys *= 8
            case .fallback(let reason)?:
                metrics.fallbackReason = reason
                return nil
            case nil:
                let results = try run.results()
                if costs != nil { costs = run.transactionCosts }
                run.retireInBackground()
                return results
            }
        }
        preconditionFailure("the last attempt returns")
    }
}
