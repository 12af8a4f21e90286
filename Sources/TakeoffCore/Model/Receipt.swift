/// How a transaction ended: a code that only the chain's rules and logic give a meaning to, except
/// ``success`` (zero). Every failure still produces a receipt; none stops the block.
///
/// A chain names its own codes as constants, for instance in an extension of its logic:
///
/// ```swift
/// extension ReceiptStatus {
///     static let proposalClosed = ReceiptStatus(rawValue: 100)
/// }
/// ```
public struct ReceiptStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code, as receipts encode it.
    public let rawValue: UInt16

    /// The status with code `rawValue`.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The transaction succeeded. The only code the engine itself gives a meaning to.
    public static let success = ReceiptStatus(rawValue: 0)

    /// Whether the transaction succeeded.
    public var isSuccess: Bool { self == .success }

    /// "success", or the code; the built-in chain's names come from `BuiltinTransactionLogic.name(of:)`.
    public var description: String { isSuccess ? "success" : "status \(rawValue)" }
}

/// The outcome of one transaction.
public struct Receipt: Hashable, Sendable {
    /// How it ended.
    public var status: ReceiptStatus
    /// Gas used by the payload (the gas limit when it ran out).
    public var gasUsed: UInt64
    /// The fee moved to the fee collector; zero when the envelope checks failed.
    public var feePaid: UInt128

    /// Creates a receipt.
    public init(status: ReceiptStatus, gasUsed: UInt64, feePaid: UInt128) {
        self.status = status
        self.gasUsed = gasUsed
        self.feePaid = feePaid
    }

    /// The format version written before every encoded receipt.
    public static let formatVersion: UInt8 = 2

    /// Appends the canonical encoding.
    package func encode(to writer: inout ByteWriter) {
        writer.write(Self.formatVersion)
        writer.write(status.rawValue)
        writer.write(gasUsed)
        writer.write(feePaid)
    }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 32)
        encode(to: &writer)
        return writer.bytes
    }

    /// Reads one receipt.
    /// - Throws: ``CodecError`` on any malformed input.
    package static func decode(from reader: inout ByteReader) throws(CodecError) -> Receipt {
        let version = try reader.readUInt8("receipt version")
        guard version == formatVersion else { throw CodecError.unsupportedVersion(what: "receipt", version: version) }
        let status = ReceiptStatus(rawValue: try reader.readUInt16("receipt status"))
        return Receipt(status: status, gasUsed: try reader.readUInt64("gas used"), feePaid: try reader.readUInt128("fee paid"))
    }

    /// Decodes a receipt that fills `bytes` exactly.
    /// - Throws: ``CodecError`` on malformed or trailing bytes.
    public init(encoded bytes: [UInt8]) throws(CodecError) {
        var reader = ByteReader(bytes)
        self = try Self.decode(from: &reader)
        try reader.expectEnd(of: "receipt")
    }
}
