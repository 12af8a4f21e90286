import TakeoffCore
import TakeoffStore

/// One block as the archive keeps it: the header, the transactions, and what executing them produced.
public struct ArchivedBlock<Transaction: ChainTransaction>: Hashable, Sendable {
    /// The header (block 0: the genesis header).
    public var header: BlockHeader
    /// The transactions, in order (none for block 0).
    public var transactions: [Transaction]
    /// One receipt per transaction.
    public var receipts: [Receipt]
    /// The block's changes with their previous values (block 0: the genesis state as insertions).
    public var changeSet: ChangeSet
    /// One access set per transaction, as recorded by the executor (may be empty).
    public var accessSets: [AccessSet]

    /// Creates an archived block.
    public init(header: BlockHeader, transactions: [Transaction], receipts: [Receipt], changeSet: ChangeSet, accessSets: [AccessSet]) {
        self.header = header
        self.transactions = transactions
        self.receipts = receipts
        self.changeSet = changeSet
        self.accessSets = accessSets
    }

    /// The archived form of an executed block.
    public init(_ executed: ExecutedBlock<Transaction>) {
        self.init(
            header: executed.header, transactions: executed.block.transactions, receipts: executed.receipts,
            changeSet: executed.changeSet, accessSets: executed.accessSets)
    }

    /// The genesis block, as block 0 of an archive.
    public init(_ genesis: Genesis) {
        self.init(header: genesis.header, transactions: [], receipts: [], changeSet: genesis.changeSet, accessSets: [])
    }

    /// The block number.
    public var number: UInt64 { header.number }

    /// The format version written before every encoded archived block.
    public static var formatVersion: UInt8 { 2 }

    /// The canonical encoding (what one zstd frame of a segment holds).
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 256 + transactions.count * 300 + changeSet.count * 100)
        writer.write(Self.formatVersion)
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

    /// Decodes ``encoded`` bytes, checking that the counts agree with the header.
    /// - Throws: `CodecError` on any malformed input.
    public init(encoded bytes: [UInt8]) throws(CodecError) {
        var reader = ByteReader(bytes)
        let version = try reader.readUInt8("archived block version")
        guard version == Self.formatVersion else { throw CodecError.unsupportedVersion(what: "archived block", version: version) }
        header = try BlockHeader.decode(from: &reader)
        let count = try reader.readCount("transactions", minimumElementSize: 4)
        guard count == Int(header.transactionCount) else {
            throw CodecError.invalidValue(what: "archived block", reason: "header says \(header.transactionCount) transactions, body has \(count)")
        }
        transactions = []
        transactions.reserveCapacity(count)
        for _ in 0..<count { transactions.append(try reader.readFramed(Transaction.self)) }
        receipts = []
        receipts.reserveCapacity(count)
        for _ in 0..<count { receipts.append(try Receipt.decode(from: &reader)) }
        changeSet = try ChangeSet.decode(from: &reader)
        let accessCount = try reader.readCount("access sets", minimumElementSize: 8)
        guard accessCount == 0 || accessCount == count else {
            throw CodecError.invalidValue(what: "archived block", reason: "\(accessCount) access sets for \(count) transactions")
        }
        accessSets = []
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
    }
}
