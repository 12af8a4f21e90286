import Synchronization

/// What a parallel executor has learned from its recent blocks: what each path costs on blocks like the
/// next one.
///
/// Cheap transactions can make the parallel machinery cost more than it saves; no up-front test sees that,
/// so the executor measures. Blocks are compared like with like: each block gets a profile (its size, the
/// mean gas its transactions declare, and the parallelism its conflict keys suggest, each rounded to a
/// power of two), and each path's cost per transaction is kept per profile, so that the next block's cost
/// on either path is predicted from blocks of its own kind, not from a cost per gas averaged over
/// different traffic. The executor runs the path predicted cheaper and, now and then, the other one again,
/// because traffic changes: every 4 blocks of a profile at first, backing off to every 256 while the probes
/// keep confirming the choice, and back to 4 as soon as one overturns it.
final class PathHistory: Sendable {
    /// The kind of block a measurement applies to.
    struct Profile: Hashable, Sendable {
        var sizeClass: Int
        var gasClass: Int
        var parallelismClass: Int

        /// - Parameters:
        ///   - parallelism: transactions divided by the longest conflict chain; nil when unknown.
        init(transactions: Int, meanGas: Double, parallelism: Double?) {
            func log2Class(_ value: Double) -> Int { value >= 1 ? Int(value.rounded(.down)).bitWidth - Int(value.rounded(.down)).leadingZeroBitCount : 0 }
            sizeClass = log2Class(Double(transactions))
            gasClass = log2Class(meanGas)
            parallelismClass = parallelism.map { log2Class($0 * 4) } ?? -1
        }
    }

    static let firstProbeInterval = 4
    static let longestProbeInterval = 256
    /// The other path must be this much cheaper to take over: blocks of one profile still differ.
    static let hysteresis = 1.05

    private struct Costs {
        /// Smoothed seconds per transaction of each path; nil until measured.
        var parallel: Double?
        var sequential: Double?
        var preferParallel = true
        var blocksSinceProbe = 0
        var probeInterval = PathHistory.firstProbeInterval
        /// Whether the block being run is a probe of the path not preferred.
        var probing = false
    }

    private let profiles = Mutex<[Profile: Costs]>([:])

    /// The path to run a block of `profile` on, and why when it is the sequential one.
    func choose(for profile: Profile) -> (path: ExecutionMetrics.Path, reason: FallbackReason?) {
        profiles.withLock { profiles in
            var costs = profiles[profile] ?? Costs()
            defer { profiles[profile] = costs }
            costs.probing = false
            guard costs.parallel != nil else { return (.parallel, nil) }
            guard costs.sequential != nil else { return (.sequential, .measuringSequential) }
            costs.blocksSinceProbe += 1
            if costs.blocksSinceProbe >= costs.probeInterval {
                costs.blocksSinceProbe = 0
                costs.probing = true
                return costs.preferParallel ? (.sequential, .probingSequential) : (.parallel, nil)
            }
            if costs.preferParallel { return (.parallel, nil) }
            let nanos = { (seconds: Double?) in Int(((seconds ?? 0) * 1e9).rounded()) }
            return (.sequential, .parallelSlower(parallelNanosPerTransaction: nanos(costs.parallel), sequentialNanosPerTransaction: nanos(costs.sequential)))
        }
    }

    /// Records that a block of `profile` with `transactions` transactions took `seconds` on `path`.
    func record(_ path: ExecutionMetrics.Path, profile: Profile, seconds: Double, transactions: Int) {
        guard transactions > 0 else { return }
        let cost = seconds / Double(transactions)
        profiles.withLock { profiles in
            var costs = profiles[profile] ?? Costs()
            defer { profiles[profile] = costs }
            // A probe replaces the other path's estimate, which is as old as the last probe; the path in use is
            // smoothed over its recent blocks.
            func smooth(_ old: Double?) -> Double { costs.probing ? cost : old.map { 0.5 * $0 + 0.5 * cost } ?? cost }
            switch path {
            case .parallel: costs.parallel = smooth(costs.parallel)
            case .sequential: costs.sequential = smooth(costs.sequential)
            }
            guard let parallel = costs.parallel, let sequential = costs.sequential else { return }
            let wasParallel = costs.preferParallel
            if costs.preferParallel, sequential * Self.hysteresis < parallel { costs.preferParallel = false }
            if !costs.preferParallel, parallel * Self.hysteresis < sequential { costs.preferParallel = true }
            if costs.probing {
                // A probe that confirms the choice makes the next one rarer; one that overturns it resets.
                costs.probeInterval = wasParallel == costs.preferParallel
                    ? min(costs.probeInterval * 2, Self.longestProbeInterval) : Self.firstProbeInterval
                costs.probing = false
            }
        }
    }
}
