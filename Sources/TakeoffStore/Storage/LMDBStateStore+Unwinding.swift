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
    /// Rolls the state back to right after block `block`, undoing recorded commits from the head down.
    /// - Returns: the new head.
    /// - Throws: `StateStoreFault/historyUnavailable(block:reason:)` when a commit between `block` and the
    ///   head has no history, or `block` lies inside a merged range; `StateStoreFault/staleChange` when the
    ///   state does not hold what the history says it should. Each undone commit is its own transaction, so
    ///   an interrupted unwind leaves a consistent, earlier head.
    @discardableResult
    public func unwind(to block: UInt64) throws -> StoreHead {
        guard var head = try head() else { throw StateStoreFault.empty(location: path) }
        let unwoundFrom = max(head.block, try unwindRecord()?.from ?? 0)
        while head.block > block {
            head = try environment.withWriteTransaction { transaction in
                guard let current = try readHead(transaction) else { throw StateStoreFault.empty(location: path) }
                guard let bytes = try transaction.value(in: historyTable, forKey: Self.blockKey(current.block)) else {
                    throw StateStoreFault.historyUnavailable(block: current.block, reason: "no history recorded for it")
                }
                let (first, parentHash, changeSet) = try decodeHistory(bytes, block: current.block)
                guard first > block else {
                    throw StateStoreFault.historyUnavailable(
                        block: block, reason: "blocks \(first)...\(current.block) were committed as one merged range")
                }
                let inverse = changeSet.changes.map { StateChange(key: $0.key, oldValue: $0.newValue, newValue: $0.oldValue) }
                var commitment = current.commitment
                commitment.apply(changes: inverse)
                try apply(inverse, block: { _ in current.block }, in: transaction)
                try transaction.delete(in: historyTable, key: Self.blockKey(current.block))
                let previous = StoreHead(block: first - 1, blockHash: parentHash, commitment: commitment)
                try writeHead(previous, in: transaction)
                var record = ByteWriter(capacity: 16)
                record.write(unwoundFrom)
                record.write(previous.block)
                try transaction.put(in: metaTable, key: Self.unwoundKey, value: record.bytes)
                return previous
            }
        }
        return head
    }

    /// The last ``unwind(to:)``: the head it started from (the highest, over several unwinds) and the block it
    /// went back to, or nil when the store was never unwound (or the record was cleared). An archive beside
    /// the store still holds the undone blocks: whoever brings a store up to its archive must not re-apply
    /// them without being asked.
    /// - Throws: ``LMDBError``, ``StateStoreError/corrupt(path:what:reason:)``.
    public func unwindRecord() throws -> UnwindRecord? {
        try environment.withReadTransaction { transaction in
            guard let bytes = try transaction.value(in: metaTable, forKey: Self.unwoundKey) else { return nil }
            do throws(CodecError) {
                var reader = ByteReader(bytes)
                return UnwindRecord(from: try reader.readUInt64("unwound from"), to: try reader.readUInt64("unwound to"))
            } catch {
                throw StateStoreError.corrupt(path: path, what: "unwind record", reason: error)
            }
        }
    }

    /// Forgets the unwind record, once the blocks it undid are gone from the archive too.
    /// - Throws: ``LMDBError``.
    public func clearUnwindRecord() throws {
        try environment.withWriteTransaction { transaction in _ = try transaction.delete(in: metaTable, key: Self.unwoundKey) }
    }

    func decodeHistory(_ bytes: [UInt8], block: UInt64) throws -> (UInt64, Hash32, ChangeSet) {
        do throws(CodecError) {
            var reader = ByteReader(bytes)
            let version = try reader.readUInt8("history version")
            guard version == Self.historyFormatVersion else { throw CodecError.unsupportedVersion(what: "history", version: version) }
            let first = try reader.readUInt64("first block")
            let parent = try reader.readHash("parent hash")
            let changeSet = try ChangeSet.decode(from: &reader)
            try reader.expectEnd(of: "history entry")
            return (first, parent, changeSet)
        } catch {
            throw StateStoreError.corrupt(path: path, what: "history of block \(block)", reason: error)
        }
    }
}
