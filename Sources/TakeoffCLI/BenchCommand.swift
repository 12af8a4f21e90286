import ArgumentParser
import Foundation
import Logging
import Takeoff
import TakeoffBench
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

    /// A scenario of the harness (`TakeoffBench`), or all of them.
    enum Scenario: String, ExpressibleByArgument, CaseIterable {
        case uniform, uniformWork = "uniform-work", contention, mainnet, wasmToken = "wasm-token", wasmAmm = "wasm-amm"
        case wasmAmmHot = "wasm-amm-hot", all

        var scenarios: [BenchScenario] { self == .all ? BenchScenario.allCases : [BenchScenario(rawValue: rawValue)!] }
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

    @Option(
        name: .customLong("cross-block"), parsing: .unconditional,
        help: ArgumentHelp(
            "Also run each scenario's blocks with their recorded access sets, one at a time and in groups of consecutive "
                + "blocks of at most this many transactions (what `replay --cross-block` does), beside the ideal speed-ups "
                + "of both (0: not measured).", valueName: "transactions"))
    var crossBlock: Int = 0

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
        guard (0...1_000_000).contains(crossBlock) else { throw ValidationError("--cross-block must be within 0...1000000, got \(crossBlock)") }
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
        let scenarios = scenario.scenarios
        // Found before anything runs, so that a missing trace does not surface after minutes of other scenarios.
        let tracePath = scenarios.contains(.mainnet) ? try TraceLocation.resolve(trace) : nil
        if !json {
            print("commitment kernels: \(CommitmentKernels.active) (TAKEOFF_KERNEL and TAKEOFF_SHA256_KERNEL choose others)")
            print("scenario       threads  sequential tx/s  parallel tx/s  ratio  (execution only; whole block in brackets)")
        }
        for scenario in scenarios {
            let result = try measure(scenario, tracePath: tracePath)
            print(json ? try jsonLine(result) : result.row)
            if crossBlock > 0 {
                let crossBlockResult = try measureCrossBlock(scenario, tracePath: tracePath)
                print(json ? try jsonLine(crossBlockResult) : crossBlockResult.row)
            }
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
        var progress = Progress()
        let report = try BenchSweep(settings: settings, logger: Logger(label: "takeoff.executor")).run { point in
            let speedups = point.results.map { String(format: "%dt %.2fx (ideal %.2fx)", $0.threads, $0.ratio, $0.idealSpeedup) }
            progress.show(
                "[\(point.index + 1)/\(point.count)] \(point.label), \(BenchSweep.workLabel(point.workMicroseconds)): "
                    + speedups.joined(separator: ", ") + (point.index + 1 < point.count ? "; ETA \(durationText(point.secondsLeft))" : ""),
                persistent: true)
        }
        progress.finish()
        try files.write(report)
        if let problem = files.plot() {
            printDiagnostic(
                "no plots: \(problem); the data is in \(files.directory.path). Install matplotlib (make plot-tools) and run "
                    + "python3 \(BenchSweepOutput.plotScript) \(files.directory.path)")
        }
        print(json ? try jsonLine(report) : BenchSweepOutput.markdown(report))
        printDiagnostic("results in \(files.directory.path)")
    }

    private func measureCrossBlock(_ scenario: BenchScenario, tracePath: String?) throws -> CrossBlockBenchmark.Result {
        let trace = try scenario == .mainnet ? MainnetTrace(contentsOf: tracePath ?? TraceLocation.resolve(trace)) : nil
        let workload = try BenchWorkload(scenario: scenario, accounts: accounts, blockCount: blocks, blockSize: blockSize, trace: trace)
        return try CrossBlockBenchmark(threads: threads, repeats: repeats, groupTransactions: crossBlock, fallback: !noFallback)
            .measure(workload, label: scenario.rawValue)
    }

    private func measure(_ scenario: BenchScenario, tracePath: String?) throws -> BenchResult {
        let trace = try scenario == .mainnet ? MainnetTrace(contentsOf: tracePath ?? TraceLocation.resolve(trace)) : nil
        let workload = try BenchWorkload(scenario: scenario, accounts: accounts, blockCount: blocks, blockSize: blockSize, trace: trace)
        let benchmark = ThroughputBenchmark(
            threads: [threads], repeats: repeats, workRoundsPerTransaction: scenario == .uniformWork ? workPerTx : 0, fallback: !noFallback,
            logger: Logger(label: "takeoff.executor"))
        return try benchmark.measure(workload, label: scenario.rawValue)[0]
    }
}
