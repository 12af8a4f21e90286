import Crypto
import Foundation

/// A 32-byte digest (block hashes, transaction hashes, commitments), stored as four big-endian words.
public struct Hash32: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The four words, most significant first; `words.0` holds bytes 0..<8.
    public var w0: UInt64
    public var w1: UInt64
    public var w2: UInt64
    public var w3: UInt64

    /// The number of bytes in an encoded hash.
    public static let byteCount = 32

    /// The all-zero hash, the parent hash of block 1.
    public static let zero = Hash32(w0: 0, w1: 0, w2: 0, w3: 0)

    /// Creates a hash from its four words.
    @inlinable
    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// Creates a hash from exactly 32 bytes.
    /// - Throws: ``CodecError`` when `bytes` does not hold exactly 32 bytes.
    public init<Bytes: Collection<UInt8>>(bytes: Bytes) throws(CodecError) {
        guard bytes.count == Self.byteCount else {
            throw CodecError.invalidLength(what: "hash", expected: Self.byteCount, actual: bytes.count)
        }
        var reader = ByteReader(Array(bytes))
        self = try reader.readHash()
    }

    /// Parses 64 hex digits, with or without a `0x` prefix.
    /// - Throws: ``CodecError`` when the text is not 32 bytes of hex.
    public init(hex: some StringProtocol) throws(CodecError) {
        try self.init(bytes: try HexEncoding.decode(hex))
    }

    /// SHA-256 of `data`.
    public static func sha256<D: DataProtocol>(_ data: D) -> Hash32 {
        SHA256.hash(data: data).withUnsafeBytes { Hash32(digestBytes: $0) }
    }

    /// A finished SHA-256 digest (of data hashed piece by piece), as a hash.
    public init(_ digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { Hash32(digestBytes: $0) }
    }

    /// The 32 bytes, big-endian.
    public var bytes: [UInt8] {
        var writer = ByteWriter()
        writer.write(self)
        return writer.bytes
    }

    /// 64 lowercase hex digits, no prefix.
    public var hex: String { HexEncoding.encode(bytes) }

    public var description: String { "0x" + hex }

    @inlinable
    public static func < (lhs: Hash32, rhs: Hash32) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }
}

extension Hash32 {
    /// The first 32 bytes of `raw` (a SHA-256 digest), as a hash.
    init(digestBytes raw: UnsafeRawBufferPointer) {
        self.init(
            w0: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
            w1: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
            w2: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
            w3: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }
}
