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
/// because traffic changes: every 8 blocks of a profile at first, backing off to every 256 while the probes
/// keep confirming the choice, and back to 8 as soon as one overturns it.
///
/// A profile seen for the first time runs in parallel; before measuring its sequential cost, the history
/// predicts it from the sequential cost per unit of declared gas over all profiles, and skips the
/// measurement when the parallel run was clearly cheaper than that prediction (real traffic rarely repeats
/// a profile often enough to measure every one both ways).
final class PathHistory: Sendable {
    /// The kind of block a measurement applies to.
    struct Profile: Hashable, Sendable {
        var sizeClass: Int
        var gasClass: Int
        var parallelismClass: Int

        /// - Parameters:
        ///   - parallelism: transactions divided by the longest conflict chain; nil when unknown.
        init(transactions: Int, meanGas: Double, parallelism: Double?) {
            /// The number of binary digits of the integer part: 0 below 1, then 1, 2, 2, 3, 3, 3, 3, 4...
            /// Clamped below Int.max: a block's declared gas per transaction may be up to UInt64.max.
            func log2Class(_ value: Double) -> Int { value >= 1 ? Int.bitWidth - Int(min(value, 0x1p62)).leadingZeroBitCount : 0 }
            sizeClass = log2Class(Double(transactions))
            gasClass = log2Class(meanGas)
            parallelismClass = parallelism.map { log2Class($0) } ?? -1
        }
    }

    static let firstProbeInterval = 8
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

    /// A prediction must be beaten by this factor for a profile to skip measuring its sequential cost.
    static let predictionMargin = 1.25

    private struct State {
        var profiles: [Profile: Costs] = [:]
        /// Smoothed sequential seconds per unit of declared gas, over all profiles.
        var sequentialCostPerGas: Double?
    }

    private let state = Mutex(State())

    /// The path to run a block of `profile` on, and why when it is the sequential one.
    /// - Parameters:
    ///   - transactions: the block's transaction count.
    ///   - gas: the gas its transactions declare.
    func choose(for profile: Profile, transactions: Int = 1, gas: Double = 0) -> (path: ExecutionMetrics.Path, reason: FallbackReason?) {
        state.withLock { state in
            var costs = state.profiles[profile] ?? Costs()
            defer { state.profiles[profile] = costs }
            costs.probing = false
            guard let parallel = costs.parallel else { return (.parallel, nil) }
            if costs.sequential == nil {
                let predicted = state.sequentialCostPerGas.map { $0 * gas / Double(max(transactions, 1)) }
                guard let predicted, parallel * Self.predictionMargin < predicted else {
                    return (.sequential, .measuringSequential)
                }
                costs.blocksSinceProbe += 1
                if costs.blocksSinceProbe >= costs.probeInterval {
                    costs.blocksSinceProbe = 0
                    return (.sequential, .measuringSequential)
                }
                return (.parallel, nil)
            }
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

    /// Records that a block of `profile` with `transactions` transactions declaring `gas` took `seconds`
    /// on `path`.
    func record(_ path: ExecutionMetrics.Path, profile: Profile, seconds: Double, transactions: Int, gas: Double = 0) {
        guard transactions > 0 else { return }
        let cost = seconds / Double(transactions)
        state.withLock { state in
            if path == .sequential, gas > 0 {
                state.sequentialCostPerGas = state.sequentialCostPerGas.map { 0.5 * $0 + 0.5 * seconds / gas } ?? seconds / gas
            }
            var costs = state.profiles[profile] ?? Costs()
            defer { state.profiles[profile] = costs }
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
