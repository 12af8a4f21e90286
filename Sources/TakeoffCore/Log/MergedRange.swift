/// A range of archived blocks with their change sets merged into one: each key once, with its value before
/// the range and after it. A log may keep them beside its blocks (the zstd archive writes them with `compact`): they let apply
/// mode rebuild state without reading the blocks' transactions or intermediate values.
///
/// It keeps every header of the range, so the hash chain can still be checked link by link, and the
/// commitment after its last block is checked when it is applied.
public struct MergedRange: Hashable, Sendable {
    /// Every header of the range, in order.
    public var headers: [BlockHeader]
    /// The merged changes.
    public var changeSet: ChangeSet
    /// The number of transactions the range covers.
    public var transactions: Int

    /// The first block.
    public var firstBlock: UInt64 { headers.first!.number }
    /// The last block.
    public var lastBlock: UInt64 { headers.last!.number }

    /// A merged range of these parts.
    public init(headers: [BlockHeader], changeSet: ChangeSet, transactions: Int) {
        precondition(!headers.isEmpty, "a merged range needs at least one block")
        self.headers = headers
        self.changeSet = changeSet
        self.transactions = transactions
    }

    /// Merges the changes of consecutive archived blocks.
    public init(_ blocks: [ArchivedChanges]) {
        precondition(!blocks.isEmpty, "a merged range needs at least one block")
        headers = blocks.map(\.header)
        changeSet = ChangeSet.merging(blocks.lazy.map(\.changeSet))
        transactions = blocks.reduce(0) { $0 + Int($1.header.transactionCount) }
    }
}
