import Dispatch
import TakeoffCore

/// Applies logged blocks' change sets to a store without executing them: what recovery does for the blocks a
/// crash left uncommitted, and what an apply-mode replay does for a whole history.
///
/// Every block is checked before anything of it is committed: its parent is the block before it, its change set
/// is the one its header names, and the state after it (or after the window it closes) has the commitment its
/// header records. It stops exactly at the first bad block, after committing the good blocks before it, and
/// throws that block's error.
struct ChangeSetApplier<Store: StateStore, Log: BlockLog> {
    let store: Store
    let log: Log
    /// What the applier worked around so far (an unusable merged range, applied as its blocks instead).
    private(set) var notes: [String] = []

    init(store: Store, log: Log) {
        self.store = store
        self.log = log
    }

    /// Applies blocks `head.block + 1...last`, `window` blocks per commit.
    /// - Parameters:
    ///   - merging: merge each window's change sets into one and check the commitment once per window, committing
    ///     it as a merged range (an unwind cannot stop inside it); a window whose commitment does not match is
    ///     applied again block by block to find the bad block. Otherwise every block's commitment is checked and
    ///     each block is committed with its own history (as recovery does).
    ///   - mergedRanges: ranges the log holds merged, used where one starts at the next block and ends by `last`.
    ///   - committed: called after each commit.
    /// - Returns: the store's head.
    @discardableResult
    mutating func apply(
        over head: StoreHead, through last: UInt64, window: Int, merging: Bool, mergedRanges: [ClosedRange<UInt64>] = [],
        committed: (AppliedCommit) -> Void = { _ in }
    ) throws -> StoreHead {
        var head = head
        var next = head.block + 1
        while next <= last {
            let started = DispatchTime.now().uptimeNanoseconds
            func finished(_ blocks: ClosedRange<UInt64>, transactions: Int, verified: Int, head: StoreHead) {
                committed(
                    AppliedCommit(
                        blocks: blocks, transactions: transactions, verifiedBlocks: verified, head: head,
                        seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9))
            }
            if let range = mergedRanges.first(where: { $0.lowerBound == next && $0.upperBound <= last }),
                let (newHead, transactions) = try applyMergedRange(range, over: head)
            {
                head = newHead
                finished(range, transactions: transactions, verified: 1, head: head)
                next = range.upperBound + 1
                continue
            }
            let end = min(last, next + UInt64(max(window, 1)) - 1)
            // Read and check the window's blocks; on the first bad one, still commit the good ones before it, so
            // that the store ends at the last good block. Only each block's header and change set are read.
            var blocks: [ArchivedChanges] = []
            var failure: (any Error)?
            for number in next...end {
                do {
                    let block = try log.readChanges(number)
                    try ReplayError.checkLink(block.header, parentHash: blocks.last?.header.hash ?? head.blockHash)
                    try ReplayError.checkDigest(of: block.changeSet, against: block.header)
                    blocks.append(block)
                } catch {
                    failure = error
                    break
                }
            }
            if blocks.isEmpty { throw failure! }
            let transactions = blocks.reduce(0) { $0 + Int($1.header.transactionCount) }
            var verified = blocks.count
            if merging, blocks.count > 1, let merged = try commitMerged(blocks, over: head) {
                head = merged
                verified = 1
            } else {
                head = try commitEach(blocks, over: head)
            }
            finished(blocks[0].number...blocks[blocks.count - 1].number, transactions: transactions, verified: verified, head: head)
            if let failure { throw failure }
            next = end + 1
        }
        return head
    }

    /// Commits checked blocks as one merged change set, or returns nil when the state after them does not have
    /// the last header's commitment (some block among them is bad).
    private func commitMerged(_ blocks: [ArchivedChanges], over head: StoreHead) throws -> StoreHead? {
        let merged = ChangeSet.merging(blocks.lazy.map(\.changeSet))
        var commitment = head.commitment
        commitment.apply(merged)
        let last = blocks[blocks.count - 1].header
        guard commitment.digest == last.stateCommitment else { return nil }
        return try store.commit(mergedRange: last, firstBlock: blocks[0].number, changeSet: merged, commitment: commitment)
    }

    /// Checks each block's commitment in turn and commits the blocks up to the first bad one together, then
    /// throws that one's mismatch.
    private func commitEach(_ blocks: [ArchivedChanges], over head: StoreHead) throws -> StoreHead {
        var commitment = head.commitment
        var good: [(header: BlockHeader, changeSet: ChangeSet)] = []
        good.reserveCapacity(blocks.count)
        var mismatch: ReplayError?
        for block in blocks {
            var next = commitment
            next.apply(block.changeSet)
            do throws(ReplayError) { try ReplayError.checkCommitment(next, against: block.header) } catch {
                mismatch = error
                break
            }
            commitment = next
            good.append((block.header, block.changeSet))
        }
        let newHead = good.isEmpty ? head : try store.commit(blocks: good, commitment: commitment)
        if let mismatch { throw mismatch }
        return newHead
    }

    /// Applies a merged range in one commit, after checking that its headers link to the head, to each other and
    /// to the log's own last block of the range. Returns nil when the range cannot be read (noted) or its
    /// commitment does not match, so that the caller applies the blocks themselves and stops exactly at the bad one.
    private mutating func applyMergedRange(_ range: ClosedRange<UInt64>, over head: StoreHead) throws -> (StoreHead, Int)? {
        let merged: MergedRange
        do { merged = try log.readMergedRange(range) } catch {
            // A merged range is only a shortcut: the log holds the same blocks.
            notes.append("merged range \(range.lowerBound)...\(range.upperBound) is unusable (\(error)); applied its blocks instead")
            return nil
        }
        var parentHash = head.blockHash
        for header in merged.headers {
            try ReplayError.checkLink(header, parentHash: parentHash)
            parentHash = header.hash
        }
        let lastHeader = merged.headers[merged.headers.count - 1]
        guard try log.readChanges(range.upperBound).header == lastHeader else {
            throw ReplayError.inconsistentBlock(block: range.upperBound, reason: "the merged range's last header is not the archived block's header")
        }
        var commitment = head.commitment
        commitment.apply(merged.changeSet)
        guard commitment.digest == lastHeader.stateCommitment else { return nil }
        return (
            try store.commit(mergedRange: lastHeader, firstBlock: range.lowerBound, changeSet: merged.changeSet, commitment: commitment),
            merged.transactions
        )
    }
}

/// One commit a `ChangeSetApplier` made.
struct AppliedCommit {
    /// The blocks committed.
    var blocks: ClosedRange<UInt64>
    /// Their transactions.
    var transactions: Int
    /// Blocks whose commitment was checked: all of them, or one for a window checked merged.
    var verifiedBlocks: Int
    /// The store's head after the commit.
    var head: StoreHead
    /// How long the commit (and the commitment it checked) took.
    var seconds: Double
}
