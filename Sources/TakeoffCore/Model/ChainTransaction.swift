/// A chain's transaction, as the engine sees it.
///
/// The engine never looks inside a transaction: the chain's ``ChainRules`` authenticate and charge it, its
/// ``TransactionLogic`` runs it. The engine needs only the declared gas (to compare blocks when it chooses
/// between the parallel and the sequential path) and a canonical encoding (hashed into the block header and
/// kept in the archive, framed with its length by the engine).
public protocol ChainTransaction: Hashable, Sendable {
    /// The most gas the transaction may use, as declared by its sender.
    var gasLimit: UInt64 { get }

    /// Appends the canonical encoding to `bytes`. The same transaction must always encode to the same bytes.
    func encode(into bytes: inout [UInt8])

    /// Decodes a transaction that fills `bytes` exactly, as ``encode(into:)`` wrote it.
    /// - Throws: ``CodecError`` on malformed or trailing bytes; never traps, whatever the input (archives
    ///   are read from disk and may be corrupt).
    init(encoded bytes: ArraySlice<UInt8>) throws(CodecError)
}

extension ChainTransaction {
    /// Decodes a transaction that fills `bytes` exactly.
    /// - Throws: ``CodecError`` from the chain's decoder.
    public init(encoded bytes: [UInt8]) throws(CodecError) { try self.init(encoded: bytes[...]) }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return bytes
    }
}

extension ByteWriter {
    /// Appends `transaction`'s encoding behind its 32-bit length, in place.
    package mutating func writeFramed(_ transaction: some ChainTransaction) {
        let start = bytes.count
        write(UInt32(0))
        transaction.encode(into: &bytes)
        precondition(bytes.count - start - 4 <= Int(UInt32.max), "a transaction's encoding passes 4 GiB")
        let length = UInt32(truncatingIfNeeded: bytes.count - start - 4)
        bytes.withUnsafeMutableBufferPointer { buffer in
            for index in 0..<4 { buffer[start + index] = UInt8(truncatingIfNeeded: length >> (24 - 8 * index)) }
        }
    }
}

extension ByteReader {
    /// Reads one transaction framed by ``ByteWriter/writeFramed(_:)``.
    package mutating func readFramed<Transaction: ChainTransaction>(_: Transaction.Type) throws(CodecError) -> Transaction {
        let length = Int(try readUInt32("transaction length"))
        return try Transaction(encoded: try readSlice(count: length, "transaction"))
    }
}

/// A transaction kept as its canonical encoding: what tools that handle blocks of any chain (archive
/// compaction and verification, digests) read blocks as. Its encoding is the bytes it holds, so every
/// digest over it equals the digest over the chain's own type.
public struct EncodedTransaction: ChainTransaction {
    /// The canonical encoding.
    public var bytes: [UInt8]

    /// Wraps an encoding.
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Wraps `transaction`'s encoding.
    public init(_ transaction: some ChainTransaction) { bytes = transaction.encoded }

    /// Unknown without the chain's type: zero.
    public var gasLimit: UInt64 { 0 }

    public func encode(into bytes: inout [UInt8]) { bytes.append(contentsOf: self.bytes) }

    public init(encoded bytes: ArraySlice<UInt8>) throws(CodecError) { self.bytes = Array(bytes) }

    /// Decodes the chain's own transaction from these bytes.
    /// - Throws: ``CodecError`` from the chain's decoder.
    public func decode<Transaction: ChainTransaction>(as _: Transaction.Type) throws(CodecError) -> Transaction {
        try Transaction(encoded: bytes[...])
    }
}
