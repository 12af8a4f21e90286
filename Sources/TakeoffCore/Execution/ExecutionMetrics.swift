/// How a block was executed, and what it cost.
public struct ExecutionMetrics: Hashable, Sendable, Codable {
    /// Which path ran.
    public enum Path: String, Hashable, Sendable, Codable {
        /// Transactions ran in parallel.
        case parallel
        /// Transactions ran one after another.
        case sequential
    }

    /// The path that ran.
    public var path: Path = .sequential
    /// Why the executor ran the block sequentially, when it did and was not told to.
    public var fallbackReason: FallbackReason?
    /// ``fallbackReason`` in words; empty when nothing needed explaining.
    public var reason: String { fallbackReason?.description ?? "" }
    /// The worker threads used.
    public var threads: Int = 1
    /// Executions started, counting re-executions (equals the transaction count when nothing re-ran).
    public var incarnations: Int = 0
    /// Executions whose result was thrown away because a validation failed.
    public var aborts: Int = 0
    /// Read-set validations done.
    public var validations: Int = 0
    /// Times a transaction stopped to wait for an earlier one it depended on: one whose estimate it read, or,
    /// in a replay, one the recorded access sets say it reads from.
    public var dependencyWaits: Int = 0
    /// Seconds checking signatures.
    public var signatureSeconds: Double = 0
    /// Seconds executing (including every parallel attempt).
    public var executionSeconds: Double = 0
    /// Seconds turning the results into a change set and commitment.
    public var finalizationSeconds: Double = 0
    /// How many consecutive blocks ran as one parallel run with this one (see
    /// ``BlockExecutor/execute(group:parent:state:)``); nil when it ran on its own. The group's counts
    /// (incarnations, aborts, validations, waits) are on its first block; its seconds are shared out by
    /// transactions.
    public var crossBlockGroup: Int?

    /// Creates empty metrics.
    public init() {}
}
