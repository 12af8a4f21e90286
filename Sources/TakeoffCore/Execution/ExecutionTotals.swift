/// Execution metrics added up over many blocks: what a run or a replay reports.
public struct ExecutionTotals: Hashable, Sendable, Codable {
    /// Blocks that ran in parallel.
    public var parallelBlocks = 0
    /// Blocks that ran sequentially.
    public var sequentialBlocks = 0
    /// Blocks that ran in a group of consecutive blocks executed as one (``ExecutionMetrics/crossBlockGroup``).
    public var crossBlockBlocks = 0
    /// Each reason a block ran sequentially, with how many blocks it applied to.
    public var sequentialReasons: [String: Int] = [:]
    /// Executions started, counting re-executions.
    public var incarnations = 0
    /// Executions thrown away because a validation failed.
    public var aborts = 0
    /// Read-set validations done.
    public var validations = 0
    /// Times a transaction waited for an earlier one (see ``ExecutionMetrics/dependencyWaits``).
    public var dependencyWaits = 0
    /// Seconds checking signatures.
    public var signatureSeconds = 0.0
    /// Seconds executing.
    public var executionSeconds = 0.0
    /// Seconds building change sets and commitments.
    public var finalizationSeconds = 0.0

    /// Empty totals.
    public init() {}

    /// Adds one block's metrics.
    public mutating func add(_ metrics: ExecutionMetrics) {
        switch metrics.path {
        case .parallel: parallelBlocks += 1
        case .sequential: sequentialBlocks += 1
        }
        if metrics.crossBlockGroup != nil { crossBlockBlocks += 1 }
        if let reason = metrics.fallbackReason { sequentialReasons[reason.category, default: 0] += 1 }
        incarnations += metrics.incarnations
        aborts += metrics.aborts
        validations += metrics.validations
        dependencyWaits += metrics.dependencyWaits
        signatureSeconds += metrics.signatureSeconds
        executionSeconds += metrics.executionSeconds
        finalizationSeconds += metrics.finalizationSeconds
    }
}
