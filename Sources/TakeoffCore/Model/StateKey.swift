/// The name of one entry in the state: the unit of reads, writes and conflicts.
///
/// A fixed-size value: a kind tag, up to 40 bytes of fields packed big-endian into five words, and a 64-bit
/// hash computed once when the key is made. The executors' tables probe on that hash directly, so a lookup
/// never runs a general-purpose hasher, copies nothing on the heap and costs no reference counting. Keys
/// order exactly as their encodings compare bytewise (tag first, then the fields big-endian), so a sorted
/// change set is also sorted for LMDB, and comparing two keys is a handful of integer comparisons.
///
/// Chain teams fit their own keys into ``custom(namespace:id:)``: a 16-bit namespace for the key family and
/// a 32-byte id (hash a longer key into it).
public struct StateKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The key families.
    public enum Kind: UInt8, Sendable, CaseIterable {
        /// An account: balance and nonce.
        case account = 1
        /// A holder's balance in a token.
        case tokenBalance = 2
        /// A numbered slot of a contract.
        case contractSlot = 3
        /// A chain team's own key.
        case custom = 4

        /// The bytes of fields after the tag in the encoding.
        @inlinable
        public var fieldByteCount: Int {
            switch self {
            case .account: Address.byteCount
            case .tokenBalance: 2 * Address.byteCount
            case .contractSlot: Address.byteCount + 8
            case .custom: 2 + Hash32.byteCount
            }
        }
    }

    /// Mixes the fields; stored so that tables never recompute it. Declared first so that equality, which
    /// compares fields in order, rejects most unequal keys on one word.
    public let precomputedHash: UInt64
    /// The fields, big-endian, zero-padded to 40 bytes.
    @usableFromInline let w0: UInt64
    @usableFromInline let w1: UInt64
    @usableFromInline let w2: UInt64
    @usableFromInline let w3: UInt64
    @usableFromInline let w4: UInt64
    /// The key family.
    public let kind: Kind

    /// The largest encoding of any key, for stack buffers.
    public static let maximumEncodedSize = 1 + 2 * Address.byteCount

    @inlinable
    init(kind: Kind, _ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64 = 0, _ w4: UInt64 = 0) {
        self.kind = kind
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
        self.w4 = w4
        precomputedHash = Self.mix(kind.rawValue, w0, w1, w2, w3, w4)
    }

    /// Multiply-xorshift over the words (not a cryptographic hash: the tables only need spread, and a key's
    /// fields are already addresses and digests). The last step folds the high bits down, because the tables
    /// index by the low bits.
    @inlinable
    static func mix(_ tag: UInt8, _ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64, _ w4: UInt64) -> UInt64 {
        @inline(__always) func step(_ state: UInt64, _ word: UInt64) -> UInt64 {
            let value = (state ^ word) &* 0x9E37_79B9_7F4A_7C15
            return value ^ (value >> 29)
        }
        let folded = step(step(step(step(step(UInt64(tag), w0), w1), w2), w3), w4)
        return folded ^ (folded >> 32)
    }

    /// An account: balance and nonce.
    @inlinable
    public static func account(_ address: Address) -> StateKey {
        StateKey(kind: .account, address.high, address.middle, UInt64(address.low) << 32)
    }

    /// The balance of `holder` in the token issued at `token`.
    @inlinable
    public static func tokenBalance(token: Address, holder: Address) -> StateKey {
        StateKey(
            kind: .tokenBalance, token.high, token.middle, UInt64(token.low) << 32 | holder.high >> 32,
            holder.high << 32 | holder.middle >> 32, holder.middle << 32 | UInt64(holder.low))
    }

    /// Slot `slot` of the contract at `contract`: pools, counters, compute contracts and token metadata.
    @inlinable
    public static func contractSlot(contract: Address, slot: UInt64) -> StateKey {
        StateKey(kind: .contractSlot, contract.high, contract.middle, UInt64(contract.low) << 32 | slot >> 32, slot << 32)
    }

    /// A chain team's own key: `namespace` separates their key families, `id` is theirs to fill (hash a
    /// longer key into it).
    @inlinable
    public static func custom(namespace: UInt16, id: Hash32) -> StateKey {
        StateKey(
            kind: .custom, UInt64(namespace) << 48 | id.w0 >> 16, id.w0 << 48 | id.w1 >> 16, id.w1 << 48 | id.w2 >> 16,
            id.w2 << 48 | id.w3 >> 16, id.w3 << 48)
    }

    // MARK: - Fields

    /// The address of an account key, nil for other kinds.
    public var account: Address? {
        kind == .account ? Address(high: w0, middle: w1, low: UInt32(truncatingIfNeeded: w2 >> 32)) : nil
    }

    /// The token and holder of a token balance key, nil for other kinds.
    public var tokenBalance: (token: Address, holder: Address)? {
        guard kind == .tokenBalance else { return nil }
        let token = Address(high: w0, middle: w1, low: UInt32(truncatingIfNeeded: w2 >> 32))
        let holder = Address(
            high: w2 << 32 | w3 >> 32, middle: w3 << 32 | w4 >> 32, low: UInt32(truncatingIfNeeded: w4))
        return (token, holder)
    }

    /// The contract and slot of a contract slot key, nil for other kinds.
    public var contractSlot: (contract: Address, slot: UInt64)? {
        guard kind == .contractSlot else { return nil }
        return (Address(high: w0, middle: w1, low: UInt32(truncatingIfNeeded: w2 >> 32)), w2 << 32 | w3 >> 32)
    }

    /// The namespace and id of a custom key, nil for other kinds.
    public var custom: (namespace: UInt16, id: Hash32)? {
        guard kind == .custom else { return nil }
        let id = Hash32(w0: w0 << 16 | w1 >> 48, w1: w1 << 16 | w2 >> 48, w2: w2 << 16 | w3 >> 48, w3: w3 << 16 | w4 >> 48)
        return (UInt16(truncatingIfNeeded: w0 >> 48), id)
    }

    // MARK: - Encoding

    /// Appends the canonical encoding: the tag, then the fields big-endian.
    package func encode(to writer: inout ByteWriter) {
        writer.write(kind.rawValue)
        let count = kind.fieldByteCount
        withUnsafeBytes(of: (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian, w4.bigEndian)) { fields in
            writer.write(raw: UnsafeRawBufferPointer(rebasing: fields[..<count]))
        }
    }

    /// Calls `body` with the canonical encoding in a buffer of its own (no heap allocation): how the store
    /// looks a key up on the hot path.
    package func withEncodedBytes<Result, Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Result) throws(Failure) -> Result {
        let count = kind.fieldByteCount
        var fields = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian, w4.bigEndian, UInt64(0))
        return try withUnsafeMutableBytes(of: &fields) { (buffer) throws(Failure) -> Result in
            // Shift the fields up one byte to put the kind in front.
            buffer.baseAddress!.advanced(by: 1).copyMemory(from: buffer.baseAddress!, byteCount: count)
            buffer[0] = kind.rawValue
            return try body(UnsafeRawBufferPointer(rebasing: buffer[..<(1 + count)]))
        }
    }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: Self.maximumEncodedSize)
        encode(to: &writer)
        return writer.bytes
    }

    /// Reads one key.
    /// - Throws: ``CodecError`` on a short input or an unknown tag.
    package static func decode(from reader: inout ByteReader) throws(CodecError) -> StateKey {
        switch try reader.readUInt8("state key tag") {
        case 1: return .account(try reader.readAddress())
        case 2: return .tokenBalance(token: try reader.readAddress(), holder: try reader.readAddress())
        case 3: return .contractSlot(contract: try reader.readAddress(), slot: try reader.readUInt64("slot"))
        case 4: return .custom(namespace: try reader.readUInt16("namespace"), id: try reader.readHash())
        case let tag: throw CodecError.unknownTag(what: "state key", tag: tag)
        }
    }

    /// Decodes a key that fills `bytes` exactly.
    /// - Throws: ``CodecError`` on malformed or trailing bytes.
    public init(encoded bytes: [UInt8]) throws(CodecError) {
        var reader = ByteReader(bytes)
        self = try Self.decode(from: &reader)
        try reader.expectEnd(of: "state key")
    }

    // MARK: - Hashing and order

    /// Feeds the hasher the precomputed hash: one word, however long the key.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(precomputedHash)
    }

    @inlinable
    public static func == (lhs: StateKey, rhs: StateKey) -> Bool {
        lhs.precomputedHash == rhs.precomputedHash && lhs.w0 == rhs.w0 && lhs.w1 == rhs.w1 && lhs.w2 == rhs.w2
            && lhs.w3 == rhs.w3 && lhs.w4 == rhs.w4 && lhs.kind == rhs.kind
    }

    /// Bytewise order of the encodings: the tag, then the fields (equal-kind keys have equal lengths, so the
    /// zero padding never decides).
    @inlinable
    public static func < (lhs: StateKey, rhs: StateKey) -> Bool {
        if lhs.kind != rhs.kind { return lhs.kind.rawValue < rhs.kind.rawValue }
        if lhs.w0 != rhs.w0 { return lhs.w0 < rhs.w0 }
        if lhs.w1 != rhs.w1 { return lhs.w1 < rhs.w1 }
        if lhs.w2 != rhs.w2 { return lhs.w2 < rhs.w2 }
        if lhs.w3 != rhs.w3 { return lhs.w3 < rhs.w3 }
        return lhs.w4 < rhs.w4
    }

    public var description: String {
        if let address = account { return "account(\(address))" }
        if let (token, holder) = tokenBalance { return "tokenBalance(token: \(token), holder: \(holder))" }
        if let (contract, slot) = contractSlot { return "contractSlot(\(contract), \(slot))" }
        let (namespace, id) = custom!
        return "custom(\(namespace), \(id))"
    }
}
