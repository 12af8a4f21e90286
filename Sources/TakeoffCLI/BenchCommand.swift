import ArgumentParser
import Foundation
import Logging
import Takeoff
import TakeoffWorkloads

/// `takeoff bench`: execution throughput, parallel against sequential on the same blocks in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure execution throughput: the parallel executor against the sequential one, same blocks, same run.",
        discussion: """
            Each scenario generates unsigned blocks over an in-memory genesis state, runs them through the sequential \
            executor and then through the parallel one (each from the same genesis), checks that both end with the \
            same state commitment, and reports transactions per second and the ratio. "execution" counts the \
            executor's execution phase; "block" adds building the change set, commitment and header. Scenarios: \
            uniform (transfers over --accounts accounts), uniform-work (the same with --work-per-tx rounds of \
            SHA-256 each), contention (every transaction pays one account), mainnet (the trace, block by block).

            --sweep measures a grid instead: every --sweep-threads count × every contention level (uniform transfers \
            over each --sweep-accounts count, and a hot spot where --hotspot-share of the transfers pay one account) × \
            every --sweep-work level, then the mainnet trace at every thread count. It writes sweep.json, sweep.csv, \
            mainnet-blocks.csv and sweep.md into --output, and draws the plots with Scripts/plot-sweep.py (Python \
            with matplotlib: `make plot-tools` installs it). --blocks, --block-size and --repeats apply to every point.
            """)

    enum Scenario: String, ExpressibleByArgument, CaseIterable {
        case uniform, uniformWork = "uniform-work", contention, mainnet, all
    }

    @Option(help: "Which scenario: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: Scenario = .all

    @Option(parsing: .unconditional, help: "Accounts for the generated scenarios.")
    var accounts: Int = 1_000_000

    @Option(parsing: .unconditional, help: "Transactions per generated block.")
    var blockSize: Int = 10_000

    @Option(parsing: .unconditional, help: "Generated blocks per scenario.")
    var blocks: Int = 5

    @Option(parsing: .unconditional, help: "Worker threads for the parallel executor.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(parsing: .unconditional, help: "SHA-256 rounds per transaction in uniform-work (about 20 µs at the default).")
    var workPerTx: Int = 150

    @Option(parsing: .unconditional, help: "Repetitions of each measurement; the fastest counts (the machine is shared and noisy).")
    var repeats: Int = 3

    @Option(help: "The mainnet trace (default: the repository's Fixtures/ethereum-mainnet).")
    var trace: String?

    @Flag(help: "Never fall back to sequential up front (the re-execution cap still applies): measures the parallel path itself.")
    var noFallback = false

    @Flag(help: "Print one JSON object per scenario instead of a table.")
    var json = false

    @Flag(help: "Measure the grid of threads × contention × work, and the trace at each thread count (see above).")
    var sweep = false

    @Flag(
        help: """
            Measure the state commitment alone under every pair of kernels this processor can run: nanoseconds per \
            changed key (two pairs) on one core, over --blocks × --block-size changed accounts.
            """)
    var commitment = false

    @Option(help: "With --sweep: the directory for the results (created if missing; must not hold an earlier sweep).")
    var output: String?

    @Option(help: "With --sweep: thread counts, comma-separated.", transform: commaSeparated)
    var sweepThreads: [Int] = [1, 2, 4, 8]

    @Option(help: "With --sweep: account counts of the uniform contention levels, comma-separated.", transform: commaSeparated)
    var sweepAccounts: [Int] = [2, 16, 1_000, 1_000_000]

    @Option(help: "With --sweep: microseconds of SHA-256 work per transaction, comma-separated.", transform: commaSeparated)
    var sweepWork: [Double] = [0, 5, 20, 100]

    @Option(parsing: .unconditional, help: "With --sweep: the share of transfers paying the hot account (0: no hot-spot level).")
    var hotspotShare: Double = 0.2

    @OptionGroup var logging: LoggingOptions

    @Flag(help: "With --sweep: leave out the mainnet trace.")
    var noTrace = false

    @Flag(
        help: """
            With --sweep: let the executor fall back to the sequential path as it does in production (by default the sweep \
            measures the parallel path itself at every point, 1 thread included).
            """)
    var sweepWithFallback = false

    func validate() throws {
        guard accounts >= 2, blockSize >= 1, blocks >= 1, repeats >= 1 else {
            throw ValidationError("--accounts must be at least 2, --block-size, --blocks and --repeats at least 1")
        }
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be within 1...1024, got \(threads)") }
        guard repeats <= 1_000 else { throw ValidationError("--repeats must be at most 1000, got \(repeats)") }
        try ArgumentLimits.checkAccounts(accounts)
        // Every generated block is held in memory for the whole scenario.
        try ArgumentLimits.checkBlockSize(blockSize, held: blocks)
        try ArgumentLimits.checkWork(workPerTx, transactions: Double(blocks) * Double(blockSize) * Double(repeats) * 2, threads: 1)
        guard !(sweep && commitment) else { throw ValidationError("--sweep and --commitment are two different measurements; pick one") }
        guard sweep else { return }
        guard output != nil else { throw ValidationError("--sweep needs --output DIRECTORY for its results") }
        guard !sweepThreads.isEmpty, sweepThreads.allSatisfy({ (1...1024).contains($0) }) else {
            throw ValidationError("--sweep-threads must list thread counts within 1...1024")
        }
        guard !sweepAccounts.isEmpty, sweepAccounts.allSatisfy({ $0 >= 2 }) else {
            throw ValidationError("--sweep-accounts must list account counts of at least 2")
        }
        try ArgumentLimits.checkAccounts(sweepAccounts.max()!, option: "--sweep-accounts")
        guard !sweepWork.isEmpty, sweepWork.allSatisfy({ $0.isFinite && (0...100_000).contains($0) }) else {
            throw ValidationError("--sweep-work must list microseconds within 0...100000")
        }
        guard (0...1).contains(hotspotShare) else { throw ValidationError("--hotspot-share must be within 0...1, got \(hotspotShare)") }
        // Each repetition runs the sequential executor once and the parallel one per thread count.
        let executions = Double(blocks) * Double(blockSize) * Double(repeats) * Double(1 + sweepThreads.count) * Double(sweepAccounts.count + 1)
        try ArgumentLimits.checkWork(
            Int(sweepWork.reduce(0, +) / 1e6 / ArgumentLimits.secondsPerWorkRound), transactions: executions, threads: 1)
    }

    /// The values of a comma-separated option.
    private static func commaSeparated<Value: LosslessStringConvertible>(_ text: String) throws -> [Value] {
        try text.split(separator: ",").map { item in
            guard let value = Value(item.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("'\(item)' is not a valid value in '\(text)'")
            }
            return value
        }
    }

    func run() throws {
        logging.bootstrap()
        if sweep { return try runSweep() }
        if commitment { return try runCommitment() }
        let scenarios: [Scenario] = scenario == .all ? [.uniform, .uniformWork, .contention, .mainnet] : [scenario]
        // Found before anything runs, so that a missing trace does not surface after minutes of other scenarios.
        let tracePath = scenarios.contains(.mainnet) ? try TraceLocation.resolve(trace) : nil
        if !json {
            print("commitment kernels: \(CommitmentKernels.active) (TAKEOFF_KERNEL and TAKEOFF_SHA256_KERNEL choose others)")
            print("scenario       threads  sequential tx/s  parallel tx/s  ratio  (execution only; whole block in brackets)")
        }
        for scenario in scenarios {
            let result = try measure(scenario, tracePath: tracePath)
            print(json ? try jsonLine(result) : result.row)
        }
    }

    private func runCommitment() throws {
        let benchmark = CommitmentBenchmark(accounts: accounts, changedKeys: blocks * blockSize, repeats: repeats)
        if !json { print("commitment kernels (expansion + hashing), best of \(repeats) over \(blocks * blockSize) changed keys, one core") }
        for result in benchmark.run() { print(json ? try jsonLine(result) : result.row) }
    }

    private func runSweep() throws {
        let tracePath = noTrace ? nil : try TraceLocation.resolve(trace)
        let files = try BenchSweepOutput(path: output!)
        let settings = BenchSweep.Settings(
            threads: sweepThreads, accounts: sweepAccounts, hotspotShare: hotspotShare, workMicroseconds: sweepWork, blocks: blocks,
            blockSize: blockSize, repeats: repeats, noFallback: !sweepWithFallback, tracePath: tracePath)
        let report = try BenchSweep(settings: settings).run()
        try files.write(report)
        if let problem = files.plot() {
            printDiagnostic(
                "no plots: \(problem); the data is in \(files.directory.path). Install matplotlib (make plot-tools) and run "
                    + "python3 \(BenchSweepOutput.plotScript) \(files.directory.path)")
        }
        print(json ? try jsonLine(report) : BenchSweepOutput.markdown(report))
        printDiagnostic("results in \(files.directory.path)")
    }

    private func measure(_ scenario: Scenario, tracePath: String?) throws -> BenchResult {
        let workload = try BenchWorkload(scenario: scenario, command: self, tracePath: tracePath)
        let options = ExecutionOptions(verifySignatures: false, workRoundsPerTransaction: scenario == .uniformWork ? workPerTx : 0)
        let sequential = SequentialExecutor(logic: BuiltinTransactionLogic(), options: options)
        let parallel = ParallelExecutor(
            logic: BuiltinTransactionLogic(), options: options, threads: threads,
            policy: noFallback ? .alwaysParallel : FallbackPolicy(), logger: Logger(label: "takeoff.executor"))
        var result = BenchResult(scenario: scenario.rawValue, threads: threads, transactions: workload.transactionCount)
        for _ in 0..<repeats {
            let sequentialRun = try workload.run(sequential)
            let parallelRun = try workload.run(parallel)
            guard sequentialRun.commitment == parallelRun.commitment else {
                throw CommandError(description: "\(scenario.rawValue): parallel and sequential commitments differ")
            }
            result.add(sequential: sequentialRun, parallel: parallelRun)
        }
        result.ideal = try workload.measureCosts(options: options).map { $0.idealSpeedup(workers: threads) }
        return result
    }
}

/// The blocks and genesis state of one bench scenario, generated once and run through each executor.
struct BenchWorkload {
    let genesis: InMemoryState
    let genesisCommitment: StateCommitment
    let blocks: [(BlockContext, [BuiltinTransaction])]

    var transactionCount: Int { blocks.reduce(0) { $0 + $1.1.count } }

    /// `blockCount` blocks of `blockSize` transactions (the mainnet trace keeps its own blocks) over the
    /// configuration's genesis.
    init(configuration: WorkloadConfiguration, blockCount: Int, blockSize: Int) throws {
        let generator = try WorkloadGenerator(configuration)
        genesis = InMemoryState(pairs: generator.genesis())
        genesisCommitment = genesis.commitment
        let count = configuration.trace?.blocks.count ?? blockCount
        blocks = (1...count).map { number in
            (generator.context(number: UInt64(number)), generator.nextBlock(size: blockSize))
        }
    }

    /// One of `takeoff bench`'s fixed scenarios.
    init(scenario: BenchCommand.Scenario, command: BenchCommand, tracePath: String?) throws {
        var configuration = WorkloadConfiguration(kind: .uniform, accounts: command.accounts, signed: false)
        switch scenario {
        case .uniform, .uniformWork, .all: break
        case .contention:
            configuration.kind = .hotspot
            configuration.hotAccounts = 1
            configuration.hotFraction = 1
        case .mainnet:
            configuration.kind = .mainnet
            configuration.trace = try MainnetTrace(contentsOf: tracePath ?? TraceLocation.resolve(command.trace))
        }
        try self.init(configuration: configuration, blockCount: command.blocks, blockSize: command.blockSize)
    }

    struct Run {
        var executionSeconds = 0.0
        var blockSeconds = 0.0
        var commitment = StateCommitment.empty
        var parallelBlocks = 0
        var blocks = 0
        /// Each block's execution seconds, in block order.
        var blockExecutionSeconds: [Double] = []
    }

    /// Runs every block from genesis; times only the executor.
    func run(_ executor: some BlockExecutor<BuiltinTransaction>) throws -> Run {
        var state = genesis
        var head = StoreHead(block: 0, blockHash: .zero, commitment: genesisCommitment)
        var run = Run()
        for (context, transactions) in blocks {
            let start = DispatchTime.now().uptimeNanoseconds
            let executed = try executor.execute(transactions, context: context, parent: head, state: state)
            run.blockSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            run.executionSeconds += executed.metrics.executionSeconds
            run.blockExecutionSeconds.append(executed.metrics.executionSeconds)
            if executed.metrics.path == .parallel { run.parallelBlocks += 1 }
            run.blocks += 1
            state.apply(executed.changeSet)
            head = executed.head
        }
        run.commitment = head.commitment
        return run
    }

    /// Each block's access sets and its transactions' measured costs: what ``BlockCosts/idealSpeedup(workers:)``
    /// needs. Each cost is the least of `passes` untimed sequential passes with `options`, so that a
    /// transaction the operating system preempted once does not pass for a long one.
    func measureCosts(options: ExecutionOptions, passes: Int = 3) throws -> [BlockCosts] {
        let executor = SequentialExecutor(logic: BuiltinTransactionLogic(), options: options)
        var state = genesis
        var head = StoreHead(block: 0, blockHash: .zero, commitment: genesisCommitment)
        return try blocks.map { context, transactions in
            var (executed, costs) = try executor.executeMeasuringCosts(transactions, context: context, parent: head, state: state)
            for _ in 1..<max(passes, 1) {
                let again = try executor.executeMeasuringCosts(transactions, context: context, parent: head, state: state).costs
                costs = zip(costs, again).map { min($0, $1) }
            }
            state.apply(executed.changeSet)
            head = executed.head
            return BlockCosts(accessSets: executed.accessSets, costs: costs)
        }
    }
}

/// One block's access sets and its transactions' measured costs.
struct BlockCosts {
    var accessSets: [AccessSet]
    var costs: [Double]

    /// What the block's dependencies allow on `workers` workers.
    func idealSpeedup(workers: Int) -> IdealSpeedup { IdealSpeedup(accessSets: accessSets, costs: costs, workers: workers) }
}


/// One scenario's figures: the best of the repetitions.
struct BenchResult: Encodable {
    var scenario: String
    /// The commitment's kernels, which the whole-block figures depend on.
    var commitmentKernels = CommitmentKernels.active.description
    var threads: Int
    var transactions: Int
    var sequentialTPS = 0.0
    var parallelTPS = 0.0
    var sequentialBlockTPS = 0.0
    var parallelBlockTPS = 0.0
    var parallelBlocks = 0
    var blocks = 0
    /// Each block's fastest execution, sequential and parallel, over the repetitions.
    var sequentialBlockSeconds: [Double] = []
    var parallelBlockSeconds: [Double] = []
    /// Each block's ideal speed-up for the thread count.
    var ideal: [IdealSpeedup] = []
    /// Every block execution of every repetition.
    var sequentialLatency = LatencyHistogram()
    var parallelLatency = LatencyHistogram()

    var ratio: Double { sequentialTPS > 0 ? parallelTPS / sequentialTPS : 0 }
    /// The ideal speed-up of all the blocks together: their total cost over their summed schedules.
    var idealSpeedup: Double {
        let length = ideal.reduce(0) { $0 + $1.scheduleLength }
        return length > 0 ? ideal.reduce(0) { $0 + $1.totalCost } / length : 1
    }
    /// The measured speed-up as a share of the ideal one.
    var efficiency: Double { ratio / idealSpeedup }
    var blockRatio: Double { sequentialBlockTPS > 0 ? parallelBlockTPS / sequentialBlockTPS : 0 }

    mutating func add(sequential: BenchWorkload.Run, parallel: BenchWorkload.Run) {
        let count = Double(transactions)
        sequentialTPS = max(sequentialTPS, count / sequential.executionSeconds)
        parallelTPS = max(parallelTPS, count / parallel.executionSeconds)
        sequentialBlockTPS = max(sequentialBlockTPS, count / sequential.blockSeconds)
        parallelBlockTPS = max(parallelBlockTPS, count / parallel.blockSeconds)
        parallelBlocks = parallel.parallelBlocks
        blocks = parallel.blocks
        func fastest(_ best: [Double], _ new: [Double]) -> [Double] { best.isEmpty ? new : zip(best, new).map { min($0, $1) } }
        sequentialBlockSeconds = fastest(sequentialBlockSeconds, sequential.blockExecutionSeconds)
        parallelBlockSeconds = fastest(parallelBlockSeconds, parallel.blockExecutionSeconds)
        for seconds in sequential.blockExecutionSeconds { sequentialLatency.record(seconds: seconds) }
        for seconds in parallel.blockExecutionSeconds { parallelLatency.record(seconds: seconds) }
    }

    /// One block's measured speed-up beside its ideal one.
    struct MeasuredBlockSpeedup: Encodable {
        var block: Int
        var measuredSpeedup: Double
        var idealSpeedup: Double
        var criticalPathBound: Double
        var efficiency: Double
    }

    var perBlock: [MeasuredBlockSpeedup] {
        ideal.indices.map { index in
            let measured = parallelBlockSeconds[index] > 0 ? sequentialBlockSeconds[index] / parallelBlockSeconds[index] : 0
            return MeasuredBlockSpeedup(
                block: index + 1, measuredSpeedup: thousandths(measured), idealSpeedup: thousandths(ideal[index].speedup),
                criticalPathBound: thousandths(ideal[index].criticalPathBound), efficiency: thousandths(measured / ideal[index].speedup))
        }
    }

    private enum CodingKeys: String, CodingKey {
        case scenario, commitmentKernels, threads, transactions, sequentialTPS, parallelTPS, ratio, sequentialBlockTPS, parallelBlockTPS,
            blockRatio, parallelBlocks, blocks, idealSpeedup, efficiency, perBlock, sequentialBlockLatency, parallelBlockLatency
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scenario, forKey: .scenario)
        try container.encode(commitmentKernels, forKey: .commitmentKernels)
        try container.encode(threads, forKey: .threads)
        try container.encode(transactions, forKey: .transactions)
        try container.encode(sequentialTPS.rounded(), forKey: .sequentialTPS)
        try container.encode(parallelTPS.rounded(), forKey: .parallelTPS)
        try container.encode(thousandths(ratio), forKey: .ratio)
        try container.encode(sequentialBlockTPS.rounded(), forKey: .sequentialBlockTPS)
        try container.encode(parallelBlockTPS.rounded(), forKey: .parallelBlockTPS)
        try container.encode(thousandths(blockRatio), forKey: .blockRatio)
        try container.encode(parallelBlocks, forKey: .parallelBlocks)
        try container.encode(blocks, forKey: .blocks)
        try container.encode(thousandths(idealSpeedup), forKey: .idealSpeedup)
        try container.encode(thousandths(efficiency), forKey: .efficiency)
        try container.encode(perBlock, forKey: .perBlock)
        try container.encode(sequentialLatency.percentiles, forKey: .sequentialBlockLatency)
        try container.encode(parallelLatency.percentiles, forKey: .parallelBlockLatency)
    }

    var row: String {
        func tps(_ value: Double, _ block: Double) -> String {
            "\(Int(value)) [\(Int(block))]".padding(toLength: 17, withPad: " ", startingAt: 0)
        }
        return scenario.padding(toLength: 15, withPad: " ", startingAt: 0)
            + "\(threads)".padding(toLength: 9, withPad: " ", startingAt: 0)
            + tps(sequentialTPS, sequentialBlockTPS) + tps(parallelTPS, parallelBlockTPS)
            + String(format: "%.2fx [%.2fx]  ideal %.2fx (efficiency %.0f%%)", ratio, blockRatio, idealSpeedup, efficiency * 100)
            + "  parallel path: \(parallelBlocks) of \(blocks) blocks (last repetition)\n"
            + "               block execution latency: sequential \(sequentialLatency.percentiles.text); parallel \(parallelLatency.percentiles.text)"
    }
}
