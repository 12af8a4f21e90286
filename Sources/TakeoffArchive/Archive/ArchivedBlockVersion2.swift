import TakeoffCore
import TakeoffIO

/// Version 2 of the archived block encoding, which archives written before the compact encoding hold: the
/// header, the transactions, the receipts, the change set and the access sets, all in their canonical
/// fixed-width encodings. Readers still accept it; writers use version 3 (4 where receipts hold events).
extension ArchivedBlock {
    /// Decodes the rest of a version 2 encoding whose version byte `reader` has just read.
    /// - Throws: `CodecError` on any malformed input.
    init(version2 reader: inout ByteReader) throws(CodecError) {
        let header = try BlockHeader.decode(from: &reader)
        let count = try reader.readCount("transactions", minimumElementSize: 4)
        let transactions = try Self.readTransactions(count: count, of: header, from: &reader)
        var receipts: [Receipt] = []
        receipts.reserveCapacity(count)
        for _ in 0..<count { receipts.append(try Receipt.decode(from: &reader)) }
        let changeSet = try ChangeSet.decode(from: &reader)
        let accessCount = try reader.readCount("access sets", minimumElementSize: 8)
        guard accessCount == 0 || accessCount == count else {
            throw CodecError.invalidValue(what: "archived block", reason: "\(accessCount) access sets for \(count) transactions")
        }
        var accessSets: [AccessSet] = []
        for _ in 0..<accessCount {
            var lists: [[StateKey]] = []
            for what in ["read keys", "written keys"] {
                let keyCount = try reader.readCount(what, minimumElementSize: 21)
                var keys: [StateKey] = []
                keys.reserveCapacity(keyCount)
                for _ in 0..<keyCount { keys.append(try StateKey.decode(from: &reader)) }
                lists.append(keys)
            }
            accessSets.append(AccessSet(reads: lists[0], writes: lists[1]))
        }
        try reader.expectEnd(of: "archived block")
        self.init(header: header, transactions: transactions, receipts: receipts, changeSet: changeSet, accessSets: accessSets)
    }

    /// The version 2 encoding: what archives written before version 3 hold. Kept so that tests can write
    /// such archives and check that they are still read.
    package var version2Encoded: [UInt8] {
        var writer = ByteWriter(capacity: 256 + transactions.count * 300 + changeSet.count * 100)
        writer.write(UInt8(2))
        header.encode(to: &writer)
        writer.write(UInt32(transactions.count))
        for transaction in transactions { writer.writeFramed(transaction) }
        for receipt in receipts { receipt.encode(to: &writer) }
        changeSet.encode(to: &writer)
        writer.write(UInt32(accessSets.count))
        for accessSet in accessSets {
            for keys in [accessSet.reads, accessSet.writes] {
                writer.write(UInt32(keys.count))
                for key in keys { key.encode(to: &writer) }
            }
        }
        return writer.bytes
    }
}
