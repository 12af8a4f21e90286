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

extension MergedRange {
    /// Consecutive merged ranges as one: the headers of all of them, each key once with its value before the
    /// first range and after the last. Merging is associative, so ranges merged independently (one per machine)
    /// and then combined, in any grouping, give the range merged whole.
    ///
    /// Checks what applying them one after another would: each range starts where the one before it ends (its
    /// first header names the previous range's last as parent), and each range's change of a key starts from the
    /// value the earlier ranges left there.
    /// - Throws: ``ReplayError/brokenChain(block:expectedParent:archivedParent:)`` for ranges that do not follow
    ///   each other; ``ReplayError/inconsistentBlock(block:reason:)`` naming the first block of the range whose
    ///   change does not start from the value the ranges before it left.
    public static func combining(_ ranges: [MergedRange]) throws(ReplayError) -> MergedRange {
        precondition(!ranges.isEmpty, "combining needs at least one merged range")
        if ranges.count == 1 { return ranges[0] }
        for (earlier, later) in zip(ranges, ranges.dropFirst()) {
            try ReplayError.checkLink(later.headers[0], parentHash: earlier.headers[earlier.headers.count - 1].hash)
        }
        let merged: MergedConsecutiveChanges
        switch ChangeSet.mergingConsecutive(ranges.map(\.changeSet)) {
        case .success(let changes): merged = changes
        case .failure(let broken):
            let range = ranges[broken.set]
            throw .inconsistentBlock(
                block: range.firstBlock,
                reason: "the merged range \(range.firstBlock)...\(range.lastBlock) changes \(broken.key) from "
                    + "\(broken.expected.map { "\($0)" } ?? "nothing"), but the blocks before it left "
                    + "\(broken.found.map { "\($0)" } ?? "nothing")")
        }
        // As `ChangeSet.merging(_:)`: a key back at its value before the first range is no change at all.
        let changes = merged.changes.filter { $0.oldValue != $0.newValue }
        return MergedRange(
            headers: ranges.flatMap(\.headers), changeSet: ChangeSet(checkedSortedChanges: changes),
            transactions: ranges.reduce(0) { $0 + $1.transactions })
    }
}
