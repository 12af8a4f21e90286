/// What a block's transactions need to know about the block while they run.
public struct BlockContext: Hashable, Sendable {
    /// The block's number; block 1 follows the genesis state (block 0).
    public var number: UInt64
    /// Seconds since the Unix epoch, as the proposer set it.
    public var timestamp: UInt64
    /// The account the block's proposer names to receive its fees (the built-in rules credit every fee
    /// to it; a chain's own rules may send fees elsewhere).
    public var feeCollector: Address

    /// Creates a block context.
    public init(number: UInt64, timestamp: UInt64, feeCollector: Address) {
        self.number = number
        self.timestamp = timestamp
        self.feeCollector = feeCollector
    }
}

/// A block header: the block's context and digests of everything executing it produced.
public struct BlockHeader: Hashable, Sendable {
    /// The block's context: number, timestamp, fee collector.
    public var context: BlockContext
    /// The hash of the previous block's header (``Hash32/zero`` for block 1).
    public var parentHash: Hash32
    /// The number of transactions.
    public var transactionCount: UInt32
    /// SHA-256 over the transactions' encodings, in order.
    public var transactionsDigest: Hash32
    /// SHA-256 over the receipts' encodings, in order.
    public var receiptsDigest: Hash32
    /// ``ChangeSet/digest`` of the block's change set.
    public var changeSetDigest: Hash32
    /// ``StateCommitment/digest`` of the state after the block.
    public var stateCommitment: Hash32

    /// The format version written before every encoded header.
    public static let formatVersion: UInt8 = 1

    /// Creates a header.
    public init(
        context: BlockContext, parentHash: Hash32, transactionCount: UInt32, transactionsDigest: Hash32,
        receiptsDigest: Hash32, changeSetDigest: Hash32, stateCommitment: Hash32
    ) {
        self.context = context
        self.parentHash = parentHash
        self.transactionCount = transactionCount
        self.transactionsDigest = transactionsDigest
        self.receiptsDigest = receiptsDigest
        self.changeSetDigest = changeSetDigest
        self.stateCommitment = stateCommitment
    }

    /// The block's number.
    public var number: UInt64 { context.number }

    /// SHA-256 of the encoding: the next block's parent hash.
    public var hash: Hash32 { Hash32.sha256(encoded) }

    /// SHA-256 over the receipts' encodings, in order: ``BlockHeader/receiptsDigest``.
    public static func receiptsDigest(_ receipts: [Receipt]) -> Hash32 {
        var writer = ByteWriter(capacity: receipts.count * 40)
        for receipt in receipts { receipt.encode(to: &writer) }
        return Hash32.sha256(writer.bytes)
    }

    /// Appends the canonical encoding.
    package func encode(to writer: inout ByteWriter) {
        writer.write(Self.formatVersion)
        writer.write(context.number)
        writer.write(context.timestamp)
        writer.write(context.feeCollector)
        writer.write(parentHash)
        writer.write(transactionCount)
        writer.write(transactionsDigest)
        writer.write(receiptsDigest)
        writer.write(changeSetDigest)
        writer.write(stateCommitment)
    }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 200)
        encode(to: &writer)
        return writer.bytes
    }

    /// Reads one header.
    /// - Throws: ``CodecError`` on any malformed input.
    package static func decode(from reader: inout ByteReader) throws(CodecError) -> BlockHeader {
        let version = try reader.readUInt8("block header version")
        guard version == formatVersion else { throw CodecError.unsupportedVersion(what: "block header", version: version) }
        let context = BlockContext(
            number: try reader.readUInt64("block number"), timestamp: try reader.readUInt64("timestamp"),
            feeCollector: try reader.readAddress("fee collector"))
        return BlockHeader(
            context: context,
            parentHash: try reader.readHash("parent hash"),
            transactionCount: try reader.readUInt32("transaction count"),
            transactionsDigest: try reader.readHash("transactions digest"),
            receiptsDigest: try reader.readHash("receipts digest"),
            changeSetDigest: try reader.readHash("change set digest"),
            stateCommitment: try reader.readHash("state commitment"))
    }

    /// Decodes a header that fills `bytes` exactly.
    /// - Throws: ``CodecError`` on malformed or trailing bytes.
    public init(encoded bytes: [UInt8]) throws(CodecError) {
        var reader = ByteReader(bytes)
        self = try Self.decode(from: &reader)
        try reader.expectEnd(of: "block header")
    }
}

/// A block: its header and its transactions.
public struct Block<Transaction: ChainTransaction>: Hashable, Sendable {
    /// The header.
    public var header: BlockHeader
    /// The transactions, in execution order.
    public var transactions: [Transaction]

    /// Creates a block.
    public init(header: BlockHeader, transactions: [Transaction]) {
        self.header = header
        self.transactions = transactions
    }

    /// The format version written before every encoded block.
    public static var formatVersion: UInt8 { 2 }

    /// SHA-256 over the transactions' encodings, each behind its 32-bit length, in order:
    /// ``BlockHeader/transactionsDigest``.
    public static func transactionsDigest(_ transactions: [Transaction]) -> Hash32 {
        var writer = ByteWriter(capacity: transactions.count * 200)
        for transaction in transactions { writer.writeFramed(transaction) }
        return Hash32.sha256(writer.bytes)
    }

    /// Appends the canonical encoding.
    package func encode(to writer: inout ByteWriter) {
        writer.write(Self.formatVersion)
        header.encode(to: &writer)
        writer.write(UInt32(transactions.count))
        for transaction in transactions { writer.writeFramed(transaction) }
    }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 200 + transactions.count * 200)
        encode(to: &writer)
        return writer.bytes
    }

    /// Reads one block.
    /// - Throws: ``CodecError`` on any malformed input, including a transaction count that disagrees with
    ///   the header.
    package static func decode(from reader: inout ByteReader) throws(CodecError) -> Block {
        let version = try reader.readUInt8("block version")
        guard version == formatVersion else { throw CodecError.unsupportedVersion(what: "block", version: version) }
        let header = try BlockHeader.decode(from: &reader)
        // Each transaction takes at least its 4-byte length; the bound keeps a forged count from allocating.
        let count = try reader.readCount("transactions", minimumElementSize: 4)
        guard count == Int(header.transactionCount) else {
            throw CodecError.invalidValue(
                what: "block", reason: "header says \(header.transactionCount) transactions, body has \(count)")
        }
        var transactions: [Transaction] = []
        transactions.reserveCapacity(count)
        for _ in 0..<count { transactions.append(try reader.readFramed(Transaction.self)) }
        return Block(header: header, transactions: transactions)
    }

    /// Decodes a block that fills `bytes` exactly.
    /// - Throws: ``CodecError`` on malformed or trailing bytes.
    public init(encoded bytes: [UInt8]) throws(CodecError) {
        var reader = ByteReader(bytes)
        self = try Self.decode(from: &reader)
        try reader.expectEnd(of: "block")
    }
}
