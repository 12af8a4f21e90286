/// Why the parallel executor ran a block sequentially.
public enum FallbackReason: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The executor has one worker thread.
    case oneThread
    /// The block is smaller than ``FallbackPolicy/minimumBlockSize``.
    case smallBlock(transactions: Int, minimum: Int)
    /// The conflict keys (or recorded access sets) of the first `sampled` transactions form a chain of
    /// `longest` transactions: too little parallelism to pay for the workers.
    case dependencyChain(longest: Int, sampled: Int)
    /// Blocks like this one have run in parallel but not yet sequentially: this one measures the sequential path.
    case measuringSequential
    /// The sequential path is measured again on a block like those where parallel was preferred.
    case probingSequential
    /// On recent blocks like this one, parallel cost more per transaction than sequential.
    case parallelSlower(parallelNanosPerTransaction: Int, sequentialNanosPerTransaction: Int)
    /// The parallel run started more than ``FallbackPolicy/maximumIncarnationsPerTransaction`` executions
    /// per transaction and stopped.
    case reexecutionCap(executions: Int)
    /// The block touched more keys than a multi-version memory of `slots` slots holds, even after the
    /// executor retried it with larger ones.
    case keyTableFull(slots: Int)

    /// The reason without its figures, for counting blocks by reason.
    public var category: String {
        switch self {
        case .oneThread: "one thread"
        case .smallBlock: "small block"
        case .dependencyChain: "dependency chain"
        case .measuringSequential: "measuring the sequential path"
        case .probingSequential: "re-measuring the sequential path"
        case .parallelSlower: "parallel was slower on blocks like this"
        case .reexecutionCap: "re-execution cap reached"
        case .keyTableFull: "too many keys for the multi-version memory"
        }
    }

    public var description: String {
        switch self {
        case .smallBlock(let transactions, let minimum): "small block (\(transactions) < \(minimum) transactions)"
        case .dependencyChain(let longest, let sampled): "dependency chain (longest \(longest) of the first \(sampled) transactions)"
        case .parallelSlower(let parallel, let sequential):
            "parallel was slower on blocks like this (\(parallel) ns against \(sequential) ns per transaction)"
        case .reexecutionCap(let executions): "re-execution cap reached (\(executions) executions)"
        case .keyTableFull(let slots): "too many keys for the multi-version memory (\(slots) slots)"
        default: category
        }
    }
}
