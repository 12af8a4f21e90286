import Foundation
import Logging
import Takeoff
import TakeoffWorkloads

/// `takeoff bench --sweep`: the parallel executor's speed-up over a grid of thread counts × contention levels ×
/// work per transaction, and the mainnet trace at every thread count. Each point runs parallel against
/// sequential on the same blocks in the same run, best of the repetitions, beside the ideal speed-up its
/// blocks' dependencies allow.
struct BenchSweep {
    struct Settings: Encodable {
        var threads: [Int]
        /// One uniform contention level per count: transfers between that many accounts.
        var accounts: [Int]
        /// The hot-spot level: this share of the transfers pays one account among the largest count; 0 for none.
        var hotspotShare: Double
        var workMicroseconds: [Double]
        var blocks: Int
        var blockSize: Int
        var repeats: Int
        /// Measure the parallel path at every point: no sequential fallback.
        var noFallback: Bool
        /// The mainnet trace, when the sweep includes it.
        var tracePath: String?
    }

    /// Who pays whom in one contention level.
    struct Contention {
        var label: String
        var configuration: WorkloadConfiguration
    }

    /// One point of the grid: its coordinates and the bench result there.
    struct Point: Encodable {
        var contention: String
        var accounts: Int
        var hotspotShare: Double
        var workMicroseconds: Double
        var workRounds: Int
        var result: BenchResult

        /// The bound no number of workers passes, over all the point's blocks.
        var criticalPathBound: Double {
            let path = result.ideal.reduce(0) { $0 + $1.criticalPath }
            return path > 0 ? result.ideal.reduce(0) { $0 + $1.totalCost } / path : 1
        }

        private enum CodingKeys: String, CodingKey {
            case contention, accounts, hotspotShare, workMicroseconds, workRounds, criticalPathBound
        }

        /// The coordinates beside the result's own keys, in one object.
        func encode(to encoder: any Encoder) throws {
            try result.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(contention, forKey: .contention)
            try container.encode(accounts, forKey: .accounts)
            try container.encode(hotspotShare, forKey: .hotspotShare)
            try container.encode(workMicroseconds, forKey: .workMicroseconds)
            try container.encode(workRounds, forKey: .workRounds)
            try container.encode(thousandths(criticalPathBound), forKey: .criticalPathBound)
        }
    }

    /// Everything a sweep measured, as `sweep.json` holds it.
    struct Report: Encodable {
        var takeoffVersion = TakeoffVersion.current
        /// The commitment's kernels, which the whole-block figures depend on.
        var commitmentKernels = CommitmentKernels.active.description
        var processors = ProcessInfo.processInfo.activeProcessorCount
        var date = ISO8601DateFormatter().string(from: Date())
        var settings: Settings
        /// SHA-256 rounds per microsecond on this machine, measured before the sweep.
        var roundsPerMicrosecond: Double
        var points: [Point] = []
    }

    let settings: Settings

    /// The contention levels, least contended last: the uniform ones by account count, then the hot spot.
    var contentions: [Contention] {
        var levels = settings.accounts.sorted().map { accounts in
            Contention(label: "\(accounts) accounts", configuration: WorkloadConfiguration(kind: .uniform, accounts: accounts, signed: false))
        }
        if settings.hotspotShare > 0, let largest = settings.accounts.max() {
            levels.append(
                Contention(
                    label: "hot spot \(Int((settings.hotspotShare * 100).rounded()))%",
                    configuration: WorkloadConfiguration(
                        kind: .hotspot, accounts: largest, signed: false, hotAccounts: 1, hotFraction: settings.hotspotShare)))
        }
        return levels
    }

    /// Runs the whole grid, then the trace, showing each point as it is measured.
    func run() throws -> Report {
        let roundsPerMicrosecond = Self.measureRoundsPerMicrosecond()
        var report = Report(settings: settings, roundsPerMicrosecond: thousandths(roundsPerMicrosecond))
        var groups: [(Contention, Double)] = contentions.flatMap { level in settings.workMicroseconds.map { (level, $0) } }
        if let tracePath = settings.tracePath {
            var configuration = WorkloadConfiguration(kind: .mainnet, signed: false)
            configuration.trace = try MainnetTrace(contentsOf: tracePath)
            groups.append((Contention(label: "mainnet", configuration: configuration), 0))
        }
        // The time left is estimated from each group's share of the work: transactions × (work + a transfer).
        let weights = groups.map { $0.1 + 0.5 }
        var progress = Progress()
        var done = 0.0
        var workload: (label: String, blocks: BenchWorkload)?
        for (index, (level, micros)) in groups.enumerated() {
            if workload?.label != level.label {
                workload = (level.label, try BenchWorkload(configuration: level.configuration, blockCount: settings.blocks, blockSize: settings.blockSize))
            }
            let rounds = Int((micros * roundsPerMicrosecond).rounded())
            let results = try measure(workload!.blocks, label: level.label, rounds: rounds)
            for result in results {
                report.points.append(
                    Point(
                        contention: level.label, accounts: level.configuration.kind == .mainnet ? 0 : level.configuration.accounts,
                        hotspotShare: level.configuration.kind == .hotspot ? settings.hotspotShare : 0, workMicroseconds: micros,
                        workRounds: rounds, result: result))
            }
            done += weights[index]
            let left = progress.elapsedSeconds / done * (weights.reduce(0, +) - done)
            let speedups = results.map { String(format: "%dt %.2fx (ideal %.2fx)", $0.threads, $0.ratio, $0.idealSpeedup) }
            progress.show(
                "[\(index + 1)/\(groups.count)] \(level.label), \(Self.workLabel(micros)): \(speedups.joined(separator: ", "))"
                    + (index + 1 < groups.count ? "; ETA \(durationText(left))" : ""), persistent: true)
        }
        progress.finish()
        return report
    }

    /// One group: the sequential executor and a parallel one per thread count, interleaved in each repetition
    /// so that the machine's drift touches them alike.
    private func measure(_ workload: BenchWorkload, label: String, rounds: Int) throws -> [BenchResult] {
        let options = ExecutionOptions(verifySignatures: false, workRoundsPerTransaction: rounds)
        let sequential = SequentialExecutor(logic: BuiltinTransactionLogic(), options: options)
        let parallels = settings.threads.map {
            ParallelExecutor(
                logic: BuiltinTransactionLogic(), options: options, threads: $0,
                policy: settings.noFallback ? .alwaysParallel : FallbackPolicy(), logger: Logger(label: "takeoff.executor"))
        }
        var results = settings.threads.map { BenchResult(scenario: label, threads: $0, transactions: workload.transactionCount) }
        for _ in 0..<settings.repeats {
            let sequentialRun = try workload.run(sequential)
            for (index, parallel) in parallels.enumerated() {
                let parallelRun = try workload.run(parallel)
                guard parallelRun.commitment == sequentialRun.commitment else {
                    throw CommandError(
                        description: "\(label), \(rounds) rounds, \(settings.threads[index]) threads: parallel and sequential commitments differ")
                }
                results[index].add(sequential: sequentialRun, parallel: parallelRun)
            }
        }
        let costs = try workload.measureCosts(options: options)
        for index in results.indices { results[index].ideal = costs.map { $0.idealSpeedup(workers: settings.threads[index]) } }
        return results
    }

    static func workLabel(_ micros: Double) -> String { micros == 0 ? "no work" : String(format: "%g µs work", micros) }

    /// SHA-256 rounds per microsecond (the unit of `--work-per-tx`), the fastest of three timings.
    static func measureRoundsPerMicrosecond() -> Double {
        let rounds = 20_000
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = DeterministicWork.chain(seed: [1], rounds: rounds)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        return Double(rounds) / max(best, 1)
    }
}
