import Synchronization

/// What a parallel executor has learned from its recent blocks: the cost per transaction of each path.
///
/// Cheap transactions can make the parallel machinery cost more than it saves; no up-front test sees that,
/// so the executor measures. It keeps running the faster path and, every ``probeInterval`` blocks, runs the
/// other one again, because the traffic changes.
final class PathHistory: Sendable {
    /// Blocks between two runs of the path not currently preferred.
    static let probeInterval = 16
    /// Parallel must be at least this much faster per transaction to be preferred.
    static let requiredGain = 0.95

    private struct State {
        /// Smoothed seconds per transaction of each path; nil until measured.
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
            if parallel < sequential * Self.requiredGain {
                return probe ? "re-measuring the sequential path" : nil
            }
            if probe { return nil }
            let micros = { (seconds: Double) in Int((seconds * 1e7).rounded()) }
            return "parallel was slower on recent blocks (\(Double(micros(parallel)) / 10) µs against "
                + "\(Double(micros(sequential)) / 10) µs per transaction)"
        }
    }

    /// Records how long a block took on `path`.
    func record(_ path: ExecutionMetrics.Path, seconds: Double, transactions: Int) {
        guard transactions > 0 else { return }
        let cost = seconds / Double(transactions)
        state.withLock { state in
            func smooth(_ old: Double?) -> Double { old.map { 0.5 * $0 + 0.5 * cost } ?? cost }
            switch path {
            case .parallel: state.parallelCost = smooth(state.parallelCost)
            case .sequential: state.sequentialCost = smooth(state.sequentialCost)
            }
        }
    }
}
