import ArgumentParser
import Foundation
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
    }

    func run() throws {
        let scenarios: [Scenario] = scenario == .all ? [.uniform, .uniformWork, .contention, .mainnet] : [scenario]
        // Found before anything runs, so that a missing trace does not surface after minutes of other scenarios.
        let tracePath = scenarios.contains(.mainnet) ? try TraceLocation.resolve(trace) : nil
        if !json {
            print("scenario       threads  sequential tx/s  parallel tx/s  ratio  (execution only; whole block in brackets)")
        }
        for scenario in scenarios {
            let result = try measure(scenario, tracePath: tracePath)
            print(json ? try jsonLine(result) : result.row)
        }
    }

    private func measure(_ scenario: Scenario, tracePath: String?) throws -> BenchResult {
        let workload = try BenchWorkload(scenario: scenario, command: self, tracePath: tracePath)
        let sequential = SequentialExecutor(logic: BuiltinTransactionLogic(), options: workload.options)
        let parallel = ParallelExecutor(
            logic: BuiltinTransactionLogic(), options: workload.options, threads: threads,
            policy: noFallback ? .alwaysParallel : FallbackPolicy())
        var result = BenchResult(scenario: scenario.rawValue, threads: threads, transactions: workload.transactionCount)
        for _ in 0..<repeats {
            let sequentialRun = try workload.run(sequential)
            let parallelRun = try workload.run(parallel)
            guard sequentialRun.commitment == parallelRun.commitment else {
                throw CommandError(description: "\(scenario.rawValue): parallel and sequential commitments differ")
            }
            result.add(sequential: sequentialRun, parallel: parallelRun)
        }
        result.ideal = try workload.idealSpeedups(workers: threads, logic: BuiltinTransactionLogic())
        return result
    }
}

/// The blocks and genesis state of one bench scenario, generated once and run through each executor.
struct BenchWorkload {
    let genesis: InMemoryState
    let genesisCommitment: StateCommitment
    let blocks: [(BlockContext, [BuiltinTransaction])]
    let options: ExecutionOptions

    var transactionCount: Int { blocks.reduce(0) { $0 + $1.1.count } }

    init(scenario: BenchCommand.Scenario, command: BenchCommand, tracePath: String?) throws {
        var configuration = WorkloadConfiguration(kind: .uniform, accounts: command.accounts, signed: false)
        var blockCount = command.blocks
        options = ExecutionOptions(verifySignatures: false, workRoundsPerTransaction: scenario == .uniformWork ? command.workPerTx : 0)
        switch scenario {
        case .uniform, .uniformWork, .all: break
        case .contention:
            configuration.kind = .hotspot
            configuration.hotAccounts = 1
            configuration.hotFraction = 1
        case .mainnet:
            configuration.kind = .mainnet
            configuration.trace = try MainnetTrace(contentsOf: tracePath ?? TraceLocation.resolve(command.trace))
            blockCount = configuration.trace!.blocks.count
        }
        let generator = try WorkloadGenerator(configuration)
        genesis = InMemoryState(pairs: generator.genesis())
        genesisCommitment = genesis.commitment
        blocks = (1...blockCount).map { number in
            (generator.context(number: UInt64(number)), generator.nextBlock(size: command.blockSize))
        }
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

    /// Each block's ideal speed-up on `workers` workers, from one untimed sequential pass that measures every
    /// transaction's cost and records its access set.
    func idealSpeedups(workers: Int, logic: BuiltinTransactionLogic) throws -> [IdealSpeedup] {
        let executor = SequentialExecutor(logic: logic, options: options)
        var state = genesis
        var head = StoreHead(block: 0, blockHash: .zero, commitment: genesisCommitment)
        return try blocks.map { context, transactions in
            let (executed, costs) = try executor.executeMeasuringCosts(transactions, context: context, parent: head, state: state)
            state.apply(executed.changeSet)
            head = executed.head
            return IdealSpeedup(accessSets: executed.accessSets, costs: costs, workers: workers)
        }
    }
}

/// `value` rounded to three decimals, as the JSON reports ratios.
private func thousandths(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

/// One scenario's figures: the best of the repetitions.
struct BenchResult: Encodable {
    var scenario: String
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
    }

    /// One block's measured speed-up beside its ideal one.
    struct BlockSpeedup: Encodable {
        var block: Int
        var measuredSpeedup: Double
        var idealSpeedup: Double
        var criticalPathBound: Double
        var efficiency: Double
    }

    var perBlock: [BlockSpeedup] {
        ideal.indices.map { index in
            let measured = parallelBlockSeconds[index] > 0 ? sequentialBlockSeconds[index] / parallelBlockSeconds[index] : 0
            return BlockSpeedup(
                block: index + 1, measuredSpeedup: thousandths(measured), idealSpeedup: thousandths(ideal[index].speedup),
                criticalPathBound: thousandths(ideal[index].criticalPathBound), efficiency: thousandths(measured / ideal[index].speedup))
        }
    }

    private enum CodingKeys: String, CodingKey {
        case scenario, threads, transactions, sequentialTPS, parallelTPS, ratio, sequentialBlockTPS, parallelBlockTPS,
            blockRatio, parallelBlocks, blocks, idealSpeedup, efficiency, perBlock
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scenario, forKey: .scenario)
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
    }

    var row: String {
        func tps(_ value: Double, _ block: Double) -> String {
            "\(Int(value)) [\(Int(block))]".padding(toLength: 17, withPad: " ", startingAt: 0)
        }
        return scenario.padding(toLength: 15, withPad: " ", startingAt: 0)
            + "\(threads)".padding(toLength: 9, withPad: " ", startingAt: 0)
            + tps(sequentialTPS, sequentialBlockTPS) + tps(parallelTPS, parallelBlockTPS)
            + String(format: "%.2fx [%.2fx]  ideal %.2fx (efficiency %.0f%%)", ratio, blockRatio, idealSpeedup, efficiency * 100)
            + "  parallel path: \(parallelBlocks) of \(blocks) blocks (last repetition)"
    }
}
