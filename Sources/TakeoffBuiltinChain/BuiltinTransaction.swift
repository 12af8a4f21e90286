import Crypto
import TakeoffCore

/// An Ed25519 public key, 32 bytes.
public typealias PublicKeyBytes = FixedBytes<32>
/// An Ed25519 signature, 64 bytes.
public typealias SignatureBytes = FixedBytes<64>

/// The built-in chain's transaction: a signed account transaction.
///
/// The envelope (sender, nonce, fee, gas limit) is checked and charged by ``BuiltinChainRules``; the payload
/// is run by ``BuiltinTransactionLogic``. The signature covers ``signingBytes``: every field but the
/// signature itself, behind a domain tag.
public struct BuiltinTransaction: ChainTransaction {
    /// The paying account. It must be the address of ``publicKey`` (`Address/init(publicKey:)`).
    public var sender: Address
    /// Must equal the sender's nonce in the state when the transaction runs.
    public var nonce: UInt64
    /// The fee paid to the block's fee collector, charged in full once the envelope checks pass.
    public var fee: UInt128
    /// The most gas the payload may use; past it the transaction fails with `outOfGas`.
    public var gasLimit: UInt64
    /// What the transaction does.
    public var payload: BuiltinPayload
    /// The sender's Ed25519 public key.
    public var publicKey: PublicKeyBytes
    /// Ed25519 signature of ``signingBytes`` by ``publicKey``.
    public var signature: SignatureBytes

    /// The format version written before every encoded transaction.
    public static let formatVersion: UInt8 = 1
    private static let signingDomain = Array("takeoff/transaction/v1".utf8)

    /// Creates a transaction with the given fields; use ``signed(by:)`` to fill in the key and signature.
    public init(
        sender: Address, nonce: UInt64, fee: UInt128, gasLimit: UInt64, payload: BuiltinPayload,
        publicKey: PublicKeyBytes = .zero, signature: SignatureBytes = .zero
    ) {
        self.sender = sender
        self.nonce = nonce
        self.fee = fee
        self.gasLimit = gasLimit
        self.payload = payload
        self.publicKey = publicKey
        self.signature = signature
    }

    /// The bytes the signature covers: a domain tag and every field but the signature.
    public var signingBytes: [UInt8] {
        var writer = ByteWriter(capacity: 160)
        writer.write(raw: Self.signingDomain)
        encodeUnsignedFields(to: &writer)
        return writer.bytes
    }

    /// This transaction with `key`'s public key and its signature over ``signingBytes``.
    /// - Throws: what the signer throws (it does not for well-formed keys).
    public func signed(by key: Curve25519.Signing.PrivateKey) throws -> BuiltinTransaction {
        var copy = self
        copy.publicKey = try PublicKeyBytes(key.publicKey.rawRepresentation)
        copy.signature = try SignatureBytes(try key.signature(for: copy.signingBytes))
        return copy
    }

    /// Whether ``publicKey`` belongs to ``sender`` and ``signature`` is its valid signature of
    /// ``signingBytes``. Costs an Ed25519 verification: done once, before execution.
    public var hasValidSignature: Bool {
        guard Address(publicKey: publicKey) == sender,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey.bytes)
        else { return false }
        return key.isValidSignature(signature.bytes, for: signingBytes)
    }

    /// SHA-256 of the canonical encoding.
    public var hash: Hash32 { Hash32.sha256(encoded) }

    /// Appends the canonical encoding: format version, fields, signature.
    package func encode(to writer: inout ByteWriter) {
        writer.write(Self.formatVersion)
        encodeUnsignedFields(to: &writer)
        signature.withUnsafeBytes { writer.write(raw: $0) }
    }

    private func encodeUnsignedFields(to writer: inout ByteWriter) {
        writer.write(sender)
        writer.write(nonce)
        writer.write(fee)
        writer.write(gasLimit)
        payload.encode(to: &writer)
        publicKey.withUnsafeBytes { writer.write(raw: $0) }
    }

    /// Appends the canonical encoding to `bytes`.
    public func encode(into bytes: inout [UInt8]) {
        var writer = ByteWriter(capacity: 0)
        swap(&writer.bytes, &bytes)
        encode(to: &writer)
        swap(&writer.bytes, &bytes)
    }

    /// Reads one transaction.
    /// - Throws: ``CodecError`` on any malformed input.
    package static func decode(from reader: inout ByteReader) throws(CodecError) -> BuiltinTransaction {
        let version = try reader.readUInt8("transaction version")
        guard version == formatVersion else { throw CodecError.unsupportedVersion(what: "transaction", version: version) }
        return BuiltinTransaction(
            sender: try reader.readAddress("sender"),
            nonce: try reader.readUInt64("nonce"),
            fee: try reader.readUInt128("fee"),
            gasLimit: try reader.readUInt64("gas limit"),
            payload: try BuiltinPayload.decode(from: &reader),
            publicKey: try PublicKeyBytes(reader.readBytes(count: 32, "public key")),
            signature: try SignatureBytes(reader.readBytes(count: 64, "signature")))
    }

    /// Decodes a transaction that fills `bytes` exactly.
    /// - Throws: `CodecError` on malformed or trailing bytes.
    public init(encoded bytes: ArraySlice<UInt8>) throws(CodecError) {
        var reader = ByteReader(bytes)
        self = try Self.decode(from: &reader)
        try reader.expectEnd(of: "transaction")
    }
}
