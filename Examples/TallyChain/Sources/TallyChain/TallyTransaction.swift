import Crypto
import TakeoffCore

/// A tally chain transaction: signed with P-256, numbered by the sender's sequence, paying
/// `gasPrice × gasLimit` up front.
public struct TallyTransaction: ChainTransaction {
    /// What it does.
    public enum Action: Hashable, Sendable {
        /// Moves `amount` from the sender to `to` (a new member if `to` is not one yet).
        case transfer(to: Address, amount: UInt64)
        /// Opens proposal `id`.
        case propose(id: UInt32)
        /// Votes on proposal `id`.
        case vote(proposal: UInt32, inFavor: Bool)
    }

    /// The paying member: the address of ``publicKey`` (``address(of:)``).
    public var sender: Address
    /// Must equal the sender's sequence number when it runs.
    public var sequence: UInt64
    /// Fee per unit of gas.
    public var gasPrice: UInt64
    /// The gas paid for up front; the fee is `gasPrice × gasLimit`.
    public var gasLimit: UInt64
    /// What it does.
    public var action: Action
    /// The sender's P-256 public key, raw (64 bytes).
    public var publicKey: [UInt8]
    /// The P-256 signature of ``signingBytes``, raw (64 bytes).
    public var signature: [UInt8]

    /// Creates an unsigned transaction; ``signed(by:)`` fills in the key and signature.
    public init(sender: Address, sequence: UInt64, gasPrice: UInt64, gasLimit: UInt64, action: Action) {
        self.sender = sender
        self.sequence = sequence
        self.gasPrice = gasPrice
        self.gasLimit = gasLimit
        self.action = action
        publicKey = []
        signature = []
    }

    /// The address of a P-256 public key: the first 20 bytes of its SHA-256.
    public static func address(of publicKey: P256.Signing.PublicKey) -> Address {
        address(ofRaw: Array(publicKey.rawRepresentation))
    }

    static func address(ofRaw publicKey: [UInt8]) -> Address {
        let digest = Array(SHA256.hash(data: publicKey))
        // 20 bytes of a 32-byte digest: always a valid address.
        return try! Address(bytes: digest[0..<20])
    }

    /// This transaction signed by `key`.
    public func signed(by key: P256.Signing.PrivateKey) throws -> TallyTransaction {
        var copy = self
        copy.publicKey = Array(key.publicKey.rawRepresentation)
        copy.signature = Array(try key.signature(for: copy.signingBytes).rawRepresentation)
        return copy
    }

    /// Whether ``publicKey`` belongs to ``sender`` and ``signature`` is its signature of ``signingBytes``.
    public var hasValidSignature: Bool {
        guard Self.address(ofRaw: publicKey) == sender,
            let key = try? P256.Signing.PublicKey(rawRepresentation: publicKey),
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
        else { return false }
        return key.isValidSignature(signature, for: signingBytes)
    }

    /// What the signature covers: a domain tag, then every field but the signature.
    public var signingBytes: [UInt8] {
        var bytes = Array("tally/v1".utf8)
        encodeFields(into: &bytes)
        return bytes
    }

    // MARK: - Encoding

    public func encode(into bytes: inout [UInt8]) {
        encodeFields(into: &bytes)
        bytes.append(UInt8(signature.count))
        bytes.append(contentsOf: signature)
    }

    private func encodeFields(into bytes: inout [UInt8]) {
        bytes.append(contentsOf: sender.bytes)
        Self.append(sequence, to: &bytes)
        Self.append(gasPrice, to: &bytes)
        Self.append(gasLimit, to: &bytes)
        switch action {
        case .transfer(let to, let amount):
            bytes.append(1)
            bytes.append(contentsOf: to.bytes)
            Self.append(amount, to: &bytes)
        case .propose(let id):
            bytes.append(2)
            Self.append(UInt64(id), to: &bytes)
        case .vote(let proposal, let inFavor):
            bytes.append(3)
            Self.append(UInt64(proposal), to: &bytes)
            bytes.append(inFavor ? 1 : 0)
        }
        bytes.append(UInt8(publicKey.count))
        bytes.append(contentsOf: publicKey)
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public init(encoded bytes: ArraySlice<UInt8>) throws(CodecError) {
        var reader = Reader(bytes: bytes)
        sender = try Address(bytes: try reader.take(20, "sender"))
        sequence = try reader.uint64("sequence")
        gasPrice = try reader.uint64("gas price")
        gasLimit = try reader.uint64("gas limit")
        switch try reader.take(1, "action tag").first! {
        case 1: action = .transfer(to: try Address(bytes: try reader.take(20, "recipient")), amount: try reader.uint64("amount"))
        case 2: action = .propose(id: UInt32(truncatingIfNeeded: try reader.uint64("proposal")))
        case 3:
            let proposal = UInt32(truncatingIfNeeded: try reader.uint64("proposal"))
            action = .vote(proposal: proposal, inFavor: try reader.take(1, "choice").first! == 1)
        case let tag: throw CodecError.unknownTag(what: "tally action", tag: tag)
        }
        publicKey = Array(try reader.take(Int(try reader.take(1, "key length").first!), "public key"))
        signature = Array(try reader.take(Int(try reader.take(1, "signature length").first!), "signature"))
        guard reader.bytes.isEmpty else { throw CodecError.trailingBytes(what: "tally transaction", count: reader.bytes.count) }
    }

    /// Reads big-endian fields off the front of a slice.
    private struct Reader {
        var bytes: ArraySlice<UInt8>

        mutating func take(_ count: Int, _ what: String) throws(CodecError) -> ArraySlice<UInt8> {
            guard bytes.count >= count else { throw CodecError.truncated(what: what, needed: count, remaining: bytes.count) }
            defer { bytes = bytes.dropFirst(count) }
            return bytes.prefix(count)
        }

        mutating func uint64(_ what: String) throws(CodecError) -> UInt64 {
            try take(8, what).reduce(0) { $0 << 8 | UInt64($1) }
        }
    }
}
