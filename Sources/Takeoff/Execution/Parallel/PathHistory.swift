import Synchronization

/// What a parallel executor has learned from its recent blocks: the cost of each path per unit of work.
///
/// Cheap transactions can make the parallel machinery cost more than it saves; no up-front test sees that,
/// so the executor measures. It keeps running the faster path and, every ``probeInterval`` blocks, runs the
/// other one again, because the traffic changes. Work is counted in gas (at least 21,000 per transaction),
/// so that a block of heavy calls and a block of plain transfers can be compared.
final class PathHistory: Sendable {
    /// Blocks between two runs of the path not currently preferred.
    static let probeInterval = 8
    /// Parallel is dropped only when it costs this much more per unit of work than sequential: blocks differ,
    /// so small differences are noise, and in doubt the parallel path is kept.
    static let tolerance = 1.15

    private struct State {
        /// Smoothed seconds per unit of work of each path; nil until measured.
        var parallelCost: Double?
        var sequentialCost: Double?
        var blocks = 0
    }

    private let state = Mutex(State())

    /// Why the next block should run sequentially, or nil to run it in parallel.
    func reasonToRunSequentially() -> String? {
        state.withLock { state in
            state.blocks += 1
            guard let parallel = state.parallelCost else { return nil }
            guard let sequential = state.sequentialCost else { return "measuring the sequential path" }
            let probe = state.blocks % Self.probeInterval == 0
            if parallel < sequential * Self.tolerance {
                return probe ? "re-measuring the sequential path" : nil
            }
            if probe { return nil }
            let nanos = { (seconds: Double) in Int((seconds * 21_000 * 1e9).rounded()) }
            return "parallel was slower on recent blocks (\(nanos(parallel)) ns against \(nanos(sequential)) ns "
                + "per 21,000 gas)"
        }
    }

    /// Records how long a block of `work` gas took on `path`.
    func record(_ path: ExecutionMetrics.Path, seconds: Double, work: Double) {
        guard work > 0 else { return }
        let cost = seconds / work
        state.withLock { state in
            func smooth(_ old: Double?) -> Double { old.map { 0.5 * $0 + 0.5 * cost } ?? cost }
            switch path {
            case .parallel: state.parallelCost = smooth(state.parallelCost)
            case .sequential: state.sequentialCost = smooth(state.sequentialCost)
            }
        }
    }
}
