import Foundation
import Takeoff
import TakeoffBench

/// What `takeoff run` reports, as text or JSON.
struct RunSummary: Encodable {
    var workload: String
    var executor: String
    var threads: Int
    var blocks = 0
    var transactions = 0
    var succeeded = 0
    var failed = 0
    /// Gas the receipts used.
    var gasUsed: UInt64 = 0
    /// Execution and commit time: what `tps` divides by.
    var seconds = 0.0
    /// Time spent generating (and signing) transactions during the run, on the pipeline's source thread.
    var generationSeconds = 0.0
    /// With `--pregenerate`: the time spent generating every block before the run, not part of `seconds` or `tps`.
    var pregenerationSeconds: Double?
    /// Time spent writing the genesis state into a new store (and archive), not part of `tps`; absent when
    /// the store had a state already.
    var genesisSeconds: Double?
    var headBlock: UInt64 = 0
    /// The head block's hash, ready to be published as a trust anchor.
    var headHash = ""
    var stateCommitment = ""
    var keys = 0
    var db = ""
    /// Totals over all blocks.
    var metrics = ExecutionTotals()
    /// Where each pipeline stage spent its time.
    var stages: [PipelineStageTime] = []
    /// Store commits (batches of blocks when the archive is the log).
    var storeCommits = 0
    /// Each block's execution time, and each store commit's.
    var executionLatency = LatencyHistogram().percentiles
    var commitLatency = LatencyHistogram().percentiles

    /// Transactions per second of execution and commit, updated with every block.
    var tps = 0.0

    /// With `--ideal-speedup`: each block's ideal speed-up beside the estimated measured one.
    var perBlock: [EstimatedBlockSpeedup]?
    /// Over all blocks: their total cost over their summed schedules, and over their execution time.
    var idealSpeedup: Double?
    var estimatedSpeedup: Double?
    // Sums behind the two figures above; not reported.
    private var totalCost = 0.0
    private var totalSchedule = 0.0
    private var totalExecution = 0.0

    init(workload: String, executor: String, threads: Int) {
        self.workload = workload
        self.executor = executor
        self.threads = threads
    }

    private enum CodingKeys: String, CodingKey {
        case workload, executor, threads, blocks, transactions, succeeded, failed, gasUsed, seconds, generationSeconds, pregenerationSeconds
        case genesisSeconds
        case headBlock, headHash, stateCommitment, keys, db, metrics, stages, storeCommits, executionLatency, commitLatency, tps, perBlock
        case idealSpeedup, estimatedSpeedup
    }

    /// One block's ideal speed-up, and the speed-up it reached, estimated as the sum of its transactions'
    /// measured costs (each one's last execution) over its execution time.
    struct EstimatedBlockSpeedup: Encodable {
        var block: UInt64
        var path: String
        var idealSpeedup: Double
        var criticalPathBound: Double
        var estimatedSpeedup: Double
        var efficiency: Double
    }

    /// Adds a block whose execution and commit time is already in ``seconds``.
    mutating func record(_ executed: ExecutedBlock<BuiltinTransaction>, head: StoreHead) {
        blocks += 1
        transactions += executed.receipts.count
        let successes = executed.receipts.lazy.filter(\.status.isSuccess).count
        succeeded += successes
        failed += executed.receipts.count - successes
        gasUsed &+= executed.gasUsed
        headBlock = head.block
        stateCommitment = head.commitment.digest.hex
        metrics.add(executed.metrics)
        tps = seconds > 0 ? Double(transactions) / seconds : 0
        if !executed.transactionCosts.isEmpty, executed.transactionCosts.count == executed.accessSets.count {
            addIdealSpeedup(of: executed)
        }
    }

    private mutating func addIdealSpeedup(of executed: ExecutedBlock<BuiltinTransaction>) {
        let ideal = IdealSpeedup(accessSets: executed.accessSets, costs: executed.transactionCosts, workers: threads)
        let seconds = executed.metrics.executionSeconds
        let estimated = seconds > 0 ? ideal.totalCost / seconds : 1
        perBlock = (perBlock ?? []) + [
            EstimatedBlockSpeedup(
                block: executed.header.number, path: executed.metrics.path.rawValue, idealSpeedup: thousandths(ideal.speedup),
                criticalPathBound: thousandths(ideal.criticalPathBound), estimatedSpeedup: thousandths(estimated),
                efficiency: thousandths(estimated / ideal.speedup))
        ]
        totalCost += ideal.totalCost
        totalSchedule += ideal.scheduleLength
        totalExecution += seconds
        idealSpeedup = thousandths(totalSchedule > 0 ? totalCost / totalSchedule : 1)
        estimatedSpeedup = thousandths(totalExecution > 0 ? totalCost / totalExecution : 1)
    }

    /// Takes the run's totals from the pipeline once every block is committed.
    mutating func finish(_ report: PipelineReport) {
        seconds = report.seconds
        tps = report.tps
        headBlock = report.headBlock
        stateCommitment = report.stateCommitment
        stages = report.stages
        storeCommits = report.storeCommits
        executionLatency = report.executionLatency.percentiles
        commitLatency = report.commitLatency.percentiles
        generationSeconds = report.stages.first?.busySeconds ?? 0
    }

    private var stageText: String { stageSummary(stages) }

    /// With `--ideal-speedup`, a line; empty otherwise.
    private var idealText: String {
        guard let idealSpeedup, let estimatedSpeedup else { return "" }
        return String(
            format: "speed-up: about %.2fx (last executions' costs over execution time), ideal %.2fx on %d workers "
                + "(efficiency %.0f%%)\n  ", estimatedSpeedup, idealSpeedup, threads, estimatedSpeedup / idealSpeedup * 100)
    }

    func humanText() -> String {
        """
        Ran \(blocks) \(workload) blocks, \(transactions) transactions, with the \(executor) executor\
        \(executor == "parallel" ? " (\(threads) threads)" : "")
          \(String(format: "%.0f", tps)) tx/s: \(String(format: "%.3f", seconds)) s from the first block generated to the last \
        committed, \(storeCommits) store commits
          pipeline stages (busy / waiting for input / waiting for output, seconds): \(stageText)
          latency: execution \(executionLatency.text); store commit \(commitLatency.text)
          receipts: \(succeeded) succeeded, \(failed) failed, \(gasUsed) gas (\(String(format: "%.1f", seconds > 0 ? Double(gasUsed) / seconds / 1e6 : 0)) Mgas/s)\(genesisSeconds.map { "\n  genesis: " + String(format: "%.1f", $0) + " s before the first block" } ?? "")\(pregenerationSeconds.map { "\n  blocks generated beforehand in " + String(format: "%.1f", $0) + " s, outside the rate" } ?? "")
          \(metrics.humanText)
          \(idealText)head block \(headBlock) (hash \(headHash)), state commitment \(stateCommitment)
          store \(db): \(keys) keys
        """
    }
}

extension ExecutionTotals {
    /// The totals in the human-readable summaries of `run` and `replay`.
    var humanText: String {
        let reasons = sequentialReasons.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        return """
            paths: \(parallelBlocks) parallel, \(sequentialBlocks) sequential\(reasons.isEmpty ? "" : " (\(reasons))"); \
            \(incarnations) executions, \(aborts) aborts, \(validations) validations, \(dependencyWaits) dependency waits
              time: \(String(format: "%.3f", signatureSeconds)) s signatures, \(String(format: "%.3f", executionSeconds)) s \
            executing, \(String(format: "%.3f", finalizationSeconds)) s finalizing
            """
    }
}

/// Each pipeline stage's busy, starved and blocked seconds on one line.
func stageSummary(_ stages: [PipelineStageTime]) -> String {
    stages.map { "\($0.stage) " + [$0.busySeconds, $0.starvedSeconds, $0.blockedSeconds].map { String(format: "%.3f", $0) }.joined(separator: " / ") }
        .joined(separator: "; ")
}
