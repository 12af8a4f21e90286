import TakeoffCore

extension ArchivedBlock {
    /// The format version written before an encoded archived block whose receipts hold no events. Version 2
    /// (one canonical encoding, transactions first) is still read; see `ArchivedBlock.init(version2:)`.
    public static var formatVersion: UInt8 { 3 }
    /// The format version of an archived block with events in its receipts: version 3, then the events.
    /// Written only where there are events, so that archives of chains without them stay readable by builds
    /// that predate them.
    public static var formatVersionWithEvents: UInt8 { 4 }

    /// Whether `version` is one this build decodes in the two-part form (3 or 4).
    static func hasTwoParts(_ version: UInt8) -> Bool { version == formatVersion || version == formatVersionWithEvents }

    /// Reads `count` framed transactions, after checking that `header` announces as many (both encoding
    /// versions store the count before them).
    static func readTransactions(count: Int, of header: BlockHeader, from reader: inout ByteReader) throws(CodecError) -> [Transaction] {
        guard count == Int(header.transactionCount) else {
            throw CodecError.invalidValue(what: "archived block", reason: "header says \(header.transactionCount) transactions, body has \(count)")
        }
        var transactions: [Transaction] = []
        transactions.reserveCapacity(count)
        for _ in 0..<count { transactions.append(try reader.readFramed(Transaction.self)) }
        return transactions
    }

    /// The two parts of the encoding, which the archive compresses as two zstd frames so that apply mode
    /// decompresses the first alone:
    /// - `changes`: the format version, the header and the change set (`CompactEncoding`);
    /// - `body`: the transactions (each framed, in the chain's encoding), the receipts and the access sets, and
    ///   in version 4 the receipts' events.
    public var encodedParts: (changes: [UInt8], body: [UInt8]) {
        let hasEvents = receipts.contains { !$0.events.isEmpty }
        var changes = ByteWriter(capacity: 256 + changeSet.count * 24)
        changes.write(hasEvents ? Self.formatVersionWithEvents : Self.formatVersion)
        header.encode(to: &changes)
        CompactEncoding.write(changeSet, to: &changes)
        var body = ByteWriter(capacity: 16 + transactions.count * 120)
        body.writeVarint(UInt64(transactions.count))
        for transaction in transactions { body.writeFramed(transaction) }
        CompactEncoding.write(receipts, to: &body)
        CompactEncoding.write(accessSets, keysOf: changeSet, to: &body)
        if hasEvents { CompactEncoding.writeEvents(of: receipts, to: &body) }
        return (changes.bytes, body.bytes)
    }

    /// The encoding: ``encodedParts`` one after the other (what a record decompresses to).
    public var encoded: [UInt8] {
        let parts = encodedParts
        return parts.changes + parts.body
    }

    /// Decodes ``encoded`` bytes (version 3 or 4, or a version 2 encoding), checking that the counts agree with the header.
    /// - Throws: `CodecError` on any malformed input.
    public init(encoded bytes: [UInt8]) throws(CodecError) {
        var reader = ByteReader(bytes)
        let version = try reader.readUInt8("archived block version")
        if version == 2 {
            try self.init(version2: &reader)
            return
        }
        guard Self.hasTwoParts(version) else { throw CodecError.unsupportedVersion(what: "archived block", version: version) }
        let header = try BlockHeader.decode(from: &reader)
        let changeSet = try CompactEncoding.readChangeSet(from: &reader)
        let count = try reader.readVarintCount("transactions", minimumElementSize: 4)
        let transactions = try Self.readTransactions(count: count, of: header, from: &reader)
        var receipts = try CompactEncoding.readReceipts(count: count, from: &reader)
        let accessSets = try CompactEncoding.readAccessSets(keysOf: changeSet, from: &reader)
        guard accessSets.isEmpty || accessSets.count == count else {
            throw CodecError.invalidValue(what: "archived block", reason: "\(accessSets.count) access sets for \(count) transactions")
        }
        if version == Self.formatVersionWithEvents { try CompactEncoding.readEvents(into: &receipts, from: &reader) }
        try reader.expectEnd(of: "archived block")
        self.init(header: header, transactions: transactions, receipts: receipts, changeSet: changeSet, accessSets: accessSets)
    }
}

extension ArchivedChanges {
    /// Decodes the changes part at the start of `bytes` (anything after it is not read). A version 2
    /// encoding has no separate part: it is decoded whole.
    /// - Throws: `CodecError` on malformed input.
    public init(encodedPrefix bytes: [UInt8]) throws(CodecError) {
        var reader = ByteReader(bytes)
        let version = try reader.readUInt8("archived block version")
        if version == 2 {
            let block = try ArchivedBlock<EncodedTransaction>(encoded: bytes)
            self.init(header: block.header, changeSet: block.changeSet)
            return
        }
        guard ArchivedBlock<EncodedTransaction>.hasTwoParts(version) else {
            throw CodecError.unsupportedVersion(what: "archived block", version: version)
        }
        let header = try BlockHeader.decode(from: &reader)
        self.init(header: header, changeSet: try CompactEncoding.readChangeSet(from: &reader))
    }
}
