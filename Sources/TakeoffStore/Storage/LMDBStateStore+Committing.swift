import Dispatch
import Foundation
import TakeoffCore
import TakeoffIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LMDBStateStore {
    /// Commits one block, or a merged range of blocks: applies the change set and records the last block as
    /// the head, atomically.
    ///
    /// Every change's previous value is checked against the store, so a change set computed over another
    /// state is refused instead of corrupting this one.
    /// - Parameters:
    ///   - header: the (last) block's header; its commitment must be the one `changeSet` produces. For a
    ///     single block its number must be the head's plus one and its parent hash the head's hash.
    ///   - changeSet: the changes (of the whole range, merged).
    ///   - firstBlock: for a merged range, its first block (the head's plus one); nil for a single block.
    ///   - knownCommitment: the commitment after the change set when the caller has already computed it (block by
    ///     block, as replay does), which saves hashing every changed key a second time; it must still match
    ///     the header.
    /// - Returns: the new head.
    /// - Throws: `StateStoreFault` for an out-of-order block, a broken hash chain, a stale change or a
    ///   commitment mismatch; ``LMDBError`` on storage failures. Nothing is written when it throws.
    @discardableResult
    public func commit(
        _ header: BlockHeader, changeSet: ChangeSet, firstBlock: UInt64? = nil, commitment knownCommitment: StateCommitment? = nil
    ) throws -> StoreHead {
        try environment.withWriteTransaction { transaction in
            guard let current = try readHead(transaction) else { throw StateStoreFault.empty(location: path) }
            let first = firstBlock ?? header.number
            guard first == current.block + 1, header.number >= first else {
                throw StateStoreFault.unexpectedBlock(expected: current.block + 1, got: first)
            }
            if firstBlock == nil, header.parentHash != current.blockHash {
                throw StateStoreFault.parentMismatch(block: header.number, expected: current.blockHash, found: header.parentHash)
            }
            let commitment: StateCommitment
            if let knownCommitment {
                commitment = knownCommitment
            } else {
                var computed = current.commitment
                computed.apply(changeSet)
                commitment = computed
            }
            guard commitment.digest == header.stateCommitment else {
                throw StateStoreFault.commitmentMismatch(
                    block: header.number, header: header.stateCommitment, computed: commitment.digest)
            }
            try apply(changeSet.changes, block: { _ in header.number }, in: transaction)
            try writeHistory(of: header.number, firstBlock: first, parentHash: current.blockHash, changeSet: changeSet, in: transaction)
            let head = StoreHead(block: header.number, blockHash: header.hash, commitment: commitment)
            try writeHead(head, in: transaction)
            return head
        }
    }

    /// Commits a merged range of blocks (see `StateStore/commit(mergedRange:firstBlock:changeSet:commitment:)`):
    /// its one history entry covers the whole range.
    @discardableResult
    public func commit(mergedRange header: BlockHeader, firstBlock: UInt64, changeSet: ChangeSet, commitment: StateCommitment) throws -> StoreHead {
        try commit(header, changeSet: changeSet, firstBlock: firstBlock, commitment: commitment)
    }

    /// Commits consecutive blocks in one write transaction, with one sync: each block's changes in turn (each
    /// checked against the values the blocks before it left), each block's own history entry (so that
    /// ``unwind(to:)`` can still stop at any of them), and the last block as the head. This is how a pipeline
    /// commits a batch of blocks that its archive already holds: a page that several of them change is
    /// written to disk once.
    /// - Parameters:
    ///   - blocks: each block's header and change set, in order; the first must follow the head, and each
    ///     name the previous one as its parent.
    ///   - commitment: the commitment after the last block, as the executor computed it; it must match the
    ///     last header. (Only the last block's commitment is checked: the blocks before it were checked by
    ///     the executor that produced them.)
    /// - Returns: the new head.
    /// - Throws: as ``commit(_:changeSet:firstBlock:commitment:)``. Nothing is written when it throws.
    @discardableResult
    public func commit(
        blocks: [(header: BlockHeader, changeSet: ChangeSet)], commitment: StateCommitment
    ) throws -> StoreHead {
        precondition(!blocks.isEmpty, "a commit of no blocks")
        let last = blocks[blocks.count - 1].header
        return try environment.withWriteTransaction { transaction in
            guard let current = try readHead(transaction) else { throw StateStoreFault.empty(location: path) }
            var parent = current
            for (header, _) in blocks {
                guard header.number == parent.block + 1 else { throw StateStoreFault.unexpectedBlock(expected: parent.block + 1, got: header.number) }
                guard header.parentHash == parent.blockHash else {
                    throw StateStoreFault.parentMismatch(block: header.number, expected: parent.blockHash, found: header.parentHash)
                }
                parent = StoreHead(block: header.number, blockHash: header.hash, commitment: commitment)
            }
            guard commitment.digest == last.stateCommitment else {
                throw StateStoreFault.commitmentMismatch(block: last.number, header: last.stateCommitment, computed: commitment.digest)
            }
            // The blocks' changes merged into one pass in key order: a key that several blocks change is checked
            // and written once, and neighbouring keys land on the pages the last write left in cache.
            let merged: MergedConsecutiveChanges
            switch ChangeSet.mergingConsecutive(blocks.map(\.changeSet)) {
            case .success(let changes): merged = changes
            case .failure(let broken):
                throw StateStoreFault.staleChange(
                    block: blocks[broken.set].header.number, key: broken.key, expected: broken.expected, found: broken.found)
            }
            try apply(merged.changes, block: { blocks[Int(merged.firstSets[$0])].header.number }, in: transaction)
            var parentHash = current.blockHash
            for (header, changeSet) in blocks {
                try writeHistory(of: header.number, firstBlock: header.number, parentHash: parentHash, changeSet: changeSet, in: transaction)
                parentHash = header.hash
            }
            let head = StoreHead(block: last.number, blockHash: last.hash, commitment: commitment)
            try writeHead(head, in: transaction)
            return head
        }
    }

    /// Records what a commit changed, for ``unwind(to:)`` (nothing when the store keeps no history).
    func writeHistory(
        of block: UInt64, firstBlock: UInt64, parentHash: Hash32, changeSet: ChangeSet, in transaction: LMDBWriteTransaction
    ) throws {
        guard keepsHistory else { return }
        var writer = ByteWriter(capacity: 64 + changeSet.count * 96)
        writer.write(Self.historyFormatVersion)
        writer.write(firstBlock)
        writer.write(parentHash)
        changeSet.encode(to: &writer)
        try transaction.put(in: historyTable, key: Self.blockKey(block), value: writer.bytes)
    }

    /// Writes changes after checking every previous value; `block(i)` names the block the `i`-th change came
    /// from, for the error. A change back to its previous value (two merged blocks' changes that cancel) is
    /// checked and not written.
    func apply(_ changes: [StateChange], block: (Int) -> UInt64, in transaction: LMDBWriteTransaction) throws {
        for (index, change) in changes.enumerated() {
            // One encoding of the key serves the check of the stored value and the write.
            try change.key.withEncodedBytes { key in
                let stored = try transaction.withValue(in: stateTable, forKey: key) { bytes in
                    try bytes.map { try decodeStored($0, key: change.key) }
                }
                guard stored == change.oldValue else {
                    throw StateStoreFault.staleChange(block: block(index), key: change.key, expected: change.oldValue, found: stored)
                }
                if change.newValue == change.oldValue { return }
                if let newValue = change.newValue {
                    try newValue.withEncodedBytes { value in try transaction.put(in: stateTable, key: key, value: value) }
                } else {
                    try transaction.delete(in: stateTable, key: key)
                }
            }
        }
    }

    static let historyFormatVersion: UInt8 = 1

    static func blockKey(_ block: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: 8)
        writer.write(block)
        return writer.bytes
    }
}
