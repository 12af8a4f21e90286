import Crypto

/// A 20-byte account address.
///
/// Stored as three big-endian words so that hashing and comparison are a few integer operations, and
/// so that `<` orders addresses exactly as their bytes compare (the state store relies on it).
public struct Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Bytes 0..<8, big-endian.
    public var high: UInt64
    /// Bytes 8..<16, big-endian.
    public var middle: UInt64
    /// Bytes 16..<20, big-endian.
    public var low: UInt32

    /// The number of bytes in an encoded address.
    public static let byteCount = 20

    /// The all-zero address.
    public static let zero = Address(high: 0, middle: 0, low: 0)

    /// Creates an address from its three words.
    @inlinable
    public init(high: UInt64, middle: UInt64, low: UInt32) {
        self.high = high
        self.middle = middle
        self.low = low
    }

    /// Creates an address from exactly 20 bytes.
    /// - Throws: ``CodecError`` when `bytes` does not hold exactly 20 bytes.
    public init<Bytes: Collection<UInt8>>(bytes: Bytes) throws(CodecError) {
        guard bytes.count == Self.byteCount else {
            throw CodecError.invalidLength(what: "address", expected: Self.byteCount, actual: bytes.count)
        }
        var reader = ByteReader(Array(bytes))
        self = try reader.readAddress()
    }

    /// Parses a 40-digit hex string, with or without a `0x` prefix.
    /// - Throws: ``CodecError`` when the text is not 20 bytes of hex.
    public init(hex: some StringProtocol) throws(CodecError) {
        let bytes = try HexEncoding.decode(hex)
        try self.init(bytes: bytes)
    }

    /// The address that owns an Ed25519 public key: the last 20 bytes of SHA-256 of the key.
    public init(publicKey: FixedBytes<32>) {
        let digest = Array(publicKey.withUnsafeBytes { SHA256.hash(data: $0) })
        var reader = ByteReader(Array(digest[12..<32]))
        // 20 bytes were just sliced off a 32-byte digest; reading them cannot fail.
        self = try! reader.readAddress()
    }

    /// A deterministic address for generated workloads and tests: `index` in the low bytes, `space` in the
    /// first bytes, so that generated families never collide with each other.
    @inlinable
    public init(space: UInt32, index: UInt64) {
        self.init(high: UInt64(space) << 32 | 0x5A5A_5A5A, middle: index, low: 0xA11C_E5E5)
    }

    /// The 20 bytes, big-endian.
    public var bytes: [UInt8] {
        var writer = ByteWriter()
        writer.write(self)
        return writer.bytes
    }

    /// `0x` followed by 40 lowercase hex digits.
    public var description: String { "0x" + HexEncoding.encode(bytes) }

    @inlinable
    public static func < (lhs: Address, rhs: Address) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }
}
