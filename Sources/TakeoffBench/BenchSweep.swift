import Dispatch
import Foundation
import Logging
import TakeoffCore
import TakeoffWorkloads

/// The sweep of `takeoff bench --sweep`: the parallel executor's speed-up over a grid of thread counts × contention levels ×
/// work per transaction, and the mainnet trace at every thread count. Each point runs parallel against
/// sequential on the same blocks in the same run, best of the repetitions, beside the ideal speed-up its
/// blocks' dependencies allow.
public struct BenchSweep: Sendable {
    /// What a sweep measures.
    public struct Settings: Sendable, Encodable {
        public var threads: [Int]
        /// One uniform contention level per count: transfers between that many accounts.
        public var accounts: [Int]
        /// The hot-spot level: this share of the transfers pays one account among the largest count; 0 for none.
        public var hotspotShare: Double
        public var workMicroseconds: [Double]
        public var blocks: Int
        public var blockSize: Int
        public var repeats: Int
        /// Measure the parallel path at every point: no sequential fallback.
        public var noFallback: Bool
        /// The mainnet trace, when the sweep includes it.
        public var tracePath: String?

        /// Settings of a sweep.
        public init(
            threads: [Int], accounts: [Int], hotspotShare: Double, workMicroseconds: [Double], blocks: Int, blockSize: Int, repeats: Int,
            noFallback: Bool, tracePath: String?
        ) {
            self.threads = threads
            self.accounts = accounts
            self.hotspotShare = hotspotShare
            self.workMicroseconds = workMicroseconds
            self.blocks = blocks
            self.blockSize = blockSize
            self.repeats = repeats
            self.noFallback = noFallback
            self.tracePath = tracePath
        }
    }

    /// Who pays whom in one contention level.
    public struct Contention: Sendable {
        /// How reports name it.
        public var label: String
        /// Its workload.
        public var configuration: WorkloadConfiguration
    }

    /// One point of the grid: its coordinates and the bench result there.
    public struct Point: Sendable, Encodable {
        public var contention: String
        public var accounts: Int
        public var hotspotShare: Double
        public var workMicroseconds: Double
        public var workRounds: Int
        public var result: BenchResult

        /// The bound no number of workers passes, over all the point's blocks.
        public var criticalPathBound: Double {
            let path = result.ideal.reduce(0) { $0 + $1.criticalPath }
            return path > 0 ? result.ideal.reduce(0) { $0 + $1.totalCost } / path : 1
        }

        private enum CodingKeys: String, CodingKey {
            case contention, accounts, hotspotShare, workMicroseconds, workRounds, criticalPathBound
        }

        /// The coordinates beside the result's own keys, in one object.
        public func encode(to encoder: any Encoder) throws {
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
    public struct Report: Sendable, Encodable {
        public var takeoffVersion = TakeoffVersion.current
        /// The commitment's kernels, which the whole-block figures depend on.
        public var commitmentKernels = CommitmentKernels.active.description
        public var processors = ProcessInfo.processInfo.activeProcessorCount
        public var date = ISO8601DateFormatter().string(from: Date())
        public var settings: Settings
        /// SHA-256 rounds per microsecond on this machine, measured before the sweep.
        public var roundsPerMicrosecond: Double
        public var points: [Point] = []

        /// Starts a report of a sweep with these settings.
        public init(settings: Settings, roundsPerMicrosecond: Double) {
            self.settings = settings
            self.roundsPerMicrosecond = roundsPerMicrosecond
        }
    }

    /// What the sweep measures.
    public let settings: Settings
    /// Where the executors log.
    public let logger: Logger

    /// Creates a sweep.
    public init(settings: Settings, logger: Logger = TakeoffLogging.silent) {
        self.settings = settings
        self.logger = logger
    }

    /// One group measured: the `index`th of `count` (0-based), its label and work, its results, and the seconds
    /// the rest should take at the rate so far.
    public struct Progress: Sendable {
        public var index: Int
        public var count: Int
        public var label: String
        public var workMicroseconds: Double
        public var results: [BenchResult]
        public var secondsLeft: Double
    }

    /// The contention levels, least contended last: the uniform ones by account count, then the hot spot.
    public var contentions: [Contention] {
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

    /// Runs the whole grid, then the trace, telling `progress` after each group.
    public func run(progress: (Progress) -> Void = { _ in }) throws -> Report {
        let started = DispatchTime.now().uptimeNanoseconds
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
        var done = 0.0
        var workload: (label: String, blocks: BenchWorkload)?
        for (index, (level, micros)) in groups.enumerated() {
            if workload?.label != level.label {
                workload = (level.label, try BenchWorkload(configuration: level.configuration, blockCount: settings.blocks, blockSize: settings.blockSize))
            }
            let rounds = Int((micros * roundsPerMicrosecond).rounded())
            let benchmark = ThroughputBenchmark(
                threads: settings.threads, repeats: settings.repeats, workRoundsPerTransaction: rounds, fallback: !settings.noFallback, logger: logger)
            let results = try benchmark.measure(workload!.blocks, label: level.label)
            for result in results {
                report.points.append(
                    Point(
                        contention: level.label, accounts: level.configuration.kind == .mainnet ? 0 : level.configuration.accounts,
                        hotspotShare: level.configuration.kind == .hotspot ? settings.hotspotShare : 0, workMicroseconds: micros,
                        workRounds: rounds, result: result))
            }
            done += weights[index]
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            progress(
                Progress(
                    index: index, count: groups.count, label: level.label, workMicroseconds: micros, results: results,
                    secondsLeft: elapsed / done * (weights.reduce(0, +) - done)))
        }
        return report
    }

    /// How reports name a work level.
    public static func workLabel(_ micros: Double) -> String { micros == 0 ? "no work" : String(format: "%g µs work", micros) }

    /// SHA-256 rounds per microsecond (the unit of `--work-per-tx`), the fastest of three timings.
    public static func measureRoundsPerMicrosecond() -> Double {
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
