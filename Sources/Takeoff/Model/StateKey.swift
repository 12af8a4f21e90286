/// The name of one entry in the state: the unit of reads, writes and conflicts.
///
/// Keys order exactly as their encodings compare bytewise (tag first, then the fields big-endian), so a
/// sorted change set is also sorted for LMDB.
public enum StateKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// An account: balance and nonce.
    case account(Address)
    /// The balance of `holder` in the token issued at `token`.
    case tokenBalance(token: Address, holder: Address)
    /// Slot `slot` of the contract at `contract`: pools, counters, compute contracts and token metadata.
    case contractSlot(contract: Address, slot: UInt64)
    /// A chain team's own key: `namespace` separates their key families, `id` is theirs to fill (hash a
    /// longer key into it).
    case custom(namespace: UInt16, id: Hash32)

    /// The largest encoding of any key, for stack buffers.
    public static let maximumEncodedSize = 1 + 2 * Address.byteCount

    @usableFromInline var tag: UInt8 {
        switch self {
        case .account: 1
        case .tokenBalance: 2
        case .contractSlot: 3
        case .custom: 4
        }
    }

    /// Appends the canonical encoding.
    @inlinable
    public func encode(to writer: inout ByteWriter) {
        writer.write(tag)
        switch self {
        case .account(let address):
            writer.write(address)
        case .tokenBalance(let token, let holder):
            writer.write(token)
            writer.write(holder)
        case .contractSlot(let contract, let slot):
            writer.write(contract)
            writer.write(slot)
        case .custom(let namespace, let id):
            writer.write(namespace)
            writer.write(id)
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
    public static func decode(from reader: inout ByteReader) throws(CodecError) -> StateKey {
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

    /// Feeds the hasher one word that mixes every field: keys are hashed on every state access, and one
    /// `combine` costs a fraction of the four or five the synthesized conformance makes.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(mixedWord)
    }

    /// The fields folded into one word with multiply-xorshift steps (not a cryptographic hash: Hasher's
    /// seeded SipHash runs on top of it).
    @inlinable
    package var mixedWord: UInt64 {
        @inline(__always) func mix(_ state: UInt64, _ word: UInt64) -> UInt64 {
            var value = (state ^ word) &* 0x9E37_79B9_7F4A_7C15
            value ^= value >> 29
            return value
        }
        switch self {
        case .account(let address):
            return mix(mix(mix(1, address.high), address.middle), UInt64(address.low))
        case .tokenBalance(let token, let holder):
            let tokenWord = mix(mix(mix(2, token.high), token.middle), UInt64(token.low))
            return mix(mix(mix(tokenWord, holder.high), holder.middle), UInt64(holder.low))
        case .contractSlot(let contract, let slot):
            return mix(mix(mix(mix(3, contract.high), contract.middle), UInt64(contract.low)), slot)
        case .custom(let namespace, let id):
            return mix(mix(mix(mix(mix(4, UInt64(namespace)), id.w0), id.w1), id.w2), id.w3)
        }
    }

    public static func < (lhs: StateKey, rhs: StateKey) -> Bool {
        switch (lhs, rhs) {
        case (.account(let a), .account(let b)): a < b
        case (.tokenBalance(let t1, let h1), .tokenBalance(let t2, let h2)): (t1, h1) < (t2, h2)
        case (.contractSlot(let c1, let s1), .contractSlot(let c2, let s2)): (c1, s1) < (c2, s2)
        case (.custom(let n1, let i1), .custom(let n2, let i2)): (n1, i1) < (n2, i2)
        default: lhs.tag < rhs.tag
        }
    }

    public var description: String {
        switch self {
        case .account(let address): "account(\(address))"
        case .tokenBalance(let token, let holder): "tokenBalance(token: \(token), holder: \(holder))"
        case .contractSlot(let contract, let slot): "contractSlot(\(contract), \(slot))"
        case .custom(let namespace, let id): "custom(\(namespace), \(id))"
        }
    }
}
