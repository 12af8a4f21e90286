/// How a transaction ended. Every failure still produces a receipt; none stops the block.
public enum ReceiptStatus: Hashable, Sendable, CustomStringConvertible {
    case success
    /// The public key is not the sender's or the signature does not verify. Nothing is charged.
    case badSignature
    /// The nonce is not the sender's current nonce, or the sender does not exist. Nothing is charged.
    case badNonce
    /// The sender cannot pay the fee. Nothing is charged.
    case insufficientFee
    /// The payload moves more than the payer holds. The fee is charged.
    case insufficientBalance
    /// A balance, supply or counter would pass 2^128 - 1. The fee is charged.
    case overflow
    /// The payload needs more gas than the gas limit. The fee is charged.
    case outOfGas
    /// The sender may not do this (mint a token it does not control). The fee is charged.
    case unauthorized
    /// The account to create already exists. The fee is charged.
    case accountExists
    /// A swap would return less than its minimum. The fee is charged.
    case slippage
    /// The payload names something that does not exist or cannot be used (no such pool, a token that the
    /// pool does not trade). The fee is charged.
    case invalidPayload
    /// A chain team's own failure code. The fee is charged.
    case custom(UInt16)

    /// Whether the transaction succeeded.
    public var isSuccess: Bool { self == .success }

    var tag: UInt8 {
        switch self {
        case .success: 0
        case .badSignature: 1
        case .badNonce: 2
        case .insufficientFee: 3
        case .insufficientBalance: 4
        case .overflow: 5
        case .outOfGas: 6
        case .unauthorized: 7
        case .accountExists: 8
        case .slippage: 9
        case .invalidPayload: 10
        case .custom: 11
        }
    }

    public var description: String {
        switch self {
        case .success: "success"
        case .badSignature: "bad signature"
        case .badNonce: "bad nonce"
        case .insufficientFee: "insufficient balance for the fee"
        case .insufficientBalance: "insufficient balance"
        case .overflow: "overflow"
        case .outOfGas: "out of gas"
        case .unauthorized: "unauthorized"
        case .accountExists: "account exists"
        case .slippage: "slippage"
        case .invalidPayload: "invalid payload"
        case .custom(let code): "custom failure \(code)"
        }
    }
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
    public static let formatVersion: UInt8 = 1

    /// Appends the canonical encoding.
    public func encode(to writer: inout ByteWriter) {
        writer.write(Self.formatVersion)
        writer.write(status.tag)
        if case .custom(let code) = status { writer.write(code) }
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
    public static func decode(from reader: inout ByteReader) throws(CodecError) -> Receipt {
        let version = try reader.readUInt8("receipt version")
        guard version == formatVersion else { throw CodecError.unsupportedVersion(what: "receipt", version: version) }
        let tag = try reader.readUInt8("receipt status")
        let status: ReceiptStatus
        switch tag {
        case 0: status = .success
        case 1: status = .badSignature
        case 2: status = .badNonce
        case 3: status = .insufficientFee
        case 4: status = .insufficientBalance
        case 5: status = .overflow
        case 6: status = .outOfGas
        case 7: status = .unauthorized
        case 8: status = .accountExists
        case 9: status = .slippage
        case 10: status = .invalidPayload
        case 11: status = .custom(try reader.readUInt16("custom status"))
        default: throw CodecError.unknownTag(what: "receipt status", tag: tag)
        }
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
