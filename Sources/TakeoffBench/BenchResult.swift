import TakeoffCore
import TakeoffNode

/// One scenario's figures: the best of the repetitions.
public struct BenchResult: Sendable, Encodable {
    /// The scenario, or the sweep point's contention level.
    public var scenario: String
    /// The commitment's kernels, which the whole-block figures depend on.
    public var commitmentKernels = CommitmentKernels.active.description
    public var threads: Int
    public var transactions: Int
    public var sequentialTPS = 0.0
    public var parallelTPS = 0.0
    public var sequentialBlockTPS = 0.0
    public var parallelBlockTPS = 0.0
    public var parallelBlocks = 0
    public var blocks = 0
    /// Each block's fastest execution, sequential and parallel, over the repetitions.
    public var sequentialBlockSeconds: [Double] = []
    public var parallelBlockSeconds: [Double] = []
    /// Each block's ideal speed-up for the thread count.
    public var ideal: [IdealSpeedup] = []
    /// Every block execution of every repetition.
    public var sequentialLatency = LatencyHistogram()
    public var parallelLatency = LatencyHistogram()

    public var ratio: Double { sequentialTPS > 0 ? parallelTPS / sequentialTPS : 0 }
    /// Starts an empty result.
    public init(scenario: String, threads: Int, transactions: Int) {
        self.scenario = scenario
        self.threads = threads
        self.transactions = transactions
    }

    /// The ideal speed-up of all the blocks together: their total cost over their summed schedules.
    public var idealSpeedup: Double {
        let length = ideal.reduce(0) { $0 + $1.scheduleLength }
        return length > 0 ? ideal.reduce(0) { $0 + $1.totalCost } / length : 1
    }
    /// The measured speed-up as a share of the ideal one.
    public var efficiency: Double { ratio / idealSpeedup }
    public var blockRatio: Double { sequentialBlockTPS > 0 ? parallelBlockTPS / sequentialBlockTPS : 0 }

    /// Counts one repetition: keeps the fastest figures.
    public mutating func add(sequential: BenchWorkload.Run, parallel: BenchWorkload.Run) {
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
    public struct MeasuredBlockSpeedup: Sendable, Encodable {
        public var block: Int
        public var measuredSpeedup: Double
        public var idealSpeedup: Double
        public var criticalPathBound: Double
        public var efficiency: Double
    }

    public var perBlock: [MeasuredBlockSpeedup] {
        ideal.indices.map { index in
            let measured = parallelBlockSeconds[index] > 0 ? sequentialBlockSeconds[index] / parallelBlockSeconds[index] : 0
            return MeasuredBlockSpeedup(
                block: index + 1, measuredSpeedup: thousandths(measured), idealSpeedup: thousandths(ideal[index].speedup),
                criticalPathBound: thousandths(ideal[index].criticalPathBound), efficiency: thousandths(measured / ideal[index].speedup))
        }
    }

    /// What a report shows of a result: the figures rounded as the table prints them (transactions per second to
    /// units, ratios to thousandths), the latencies as percentiles.
    private struct Figures: Encodable {
        var scenario: String
        var commitmentKernels: String
        var threads: Int
        var transactions: Int
        var sequentialTPS: Double
        var parallelTPS: Double
        var ratio: Double
        var sequentialBlockTPS: Double
        var parallelBlockTPS: Double
        var blockRatio: Double
        var parallelBlocks: Int
        var blocks: Int
        var idealSpeedup: Double
        var efficiency: Double
        var perBlock: [MeasuredBlockSpeedup]
        var sequentialBlockLatency: LatencyHistogram
        var parallelBlockLatency: LatencyHistogram
    }

    /// Encodes the figures a report shows (see `Figures`).
    public func encode(to encoder: any Encoder) throws {
        try Figures(
            scenario: scenario, commitmentKernels: commitmentKernels, threads: threads, transactions: transactions,
            sequentialTPS: sequentialTPS.rounded(), parallelTPS: parallelTPS.rounded(), ratio: thousandths(ratio),
            sequentialBlockTPS: sequentialBlockTPS.rounded(), parallelBlockTPS: parallelBlockTPS.rounded(), blockRatio: thousandths(blockRatio),
            parallelBlocks: parallelBlocks, blocks: blocks, idealSpeedup: thousandths(idealSpeedup), efficiency: thousandths(efficiency),
            perBlock: perBlock, sequentialBlockLatency: sequentialLatency, parallelBlockLatency: parallelLatency
        ).encode(to: encoder)
    }

    /// The figures as one row of `takeoff bench`'s table.
    public var row: String {
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
