import Crypto
import Dispatch

/// An order-independent, incremental commitment to the whole state: a lattice hash.
///
/// Every (key, value) pair hashes to a vector of ``laneCount`` 64-bit lanes; the commitment is the lane-wise
/// sum (mod 2^64) of the vectors of all pairs in the state. Adding a pair adds its vector, removing it
/// subtracts it, so a block updates the commitment in O(changed keys), in any order, and two stores with the
/// same contents have the same commitment however they got there. It proves nothing about single entries
/// (no inclusion proofs); it only identifies a whole state.
///
/// The vector of a pair is the ChaCha20 keystream (RFC 8439 block function, blocks 0 to 3) keyed by the
/// SHA-256 of the pair's encoding: SHA-256 binds the pair, ChaCha20 expands it at a fraction of the cost of more
/// SHA-256 calls. Finding two different states with the same commitment means solving a
/// generalized birthday problem over 2048 bits.
public struct StateCommitment: Hashable, Sendable {
    /// The number of 64-bit lanes.
    public static let laneCount = 32
    /// The encoded size in bytes.
    public static let byteCount = laneCount * 8

    /// The lanes, `laneCount` of them.
    public private(set) var lanes: [UInt64]

    /// The commitment of the empty state.
    public static var empty: StateCommitment { StateCommitment(lanes: [UInt64](repeating: 0, count: laneCount)) }

    private init(lanes: [UInt64]) { self.lanes = lanes }

    /// Adds the pair (`key`, `value`) to the committed state.
    public mutating func insert(_ key: StateKey, _ value: StateValue) {
        Self.accumulate(key, value, into: &lanes, subtracting: false)
    }

    /// Removes the pair (`key`, `value`) from the committed state.
    public mutating func remove(_ key: StateKey, _ value: StateValue) {
        Self.accumulate(key, value, into: &lanes, subtracting: true)
    }

    /// Applies one change: removes the old pair, adds the new one.
    public mutating func apply(_ change: StateChange) {
        if let oldValue = change.oldValue { remove(change.key, oldValue) }
        if let newValue = change.newValue { insert(change.key, newValue) }
    }

    /// Applies every change of a block. Large change sets are hashed on all cores: the sum does not depend on
    /// the order of its terms.
    public mutating func apply(_ changeSet: ChangeSet) { apply(changes: changeSet.changes) }

    /// Applies changes in any order (the sum does not depend on it), on every core when there are many.
    public mutating func apply(changes: [StateChange]) {
        let chunkSize = 2048
        guard changes.count > chunkSize else {
            for change in changes { apply(change) }
            return
        }
        let chunkCount = (changes.count + chunkSize - 1) / chunkSize
        let partials = ConcurrentResults<StateCommitment>(count: chunkCount, initial: .empty)
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            var partial = StateCommitment.empty
            for change in changes[chunk * chunkSize..<min(changes.count, (chunk + 1) * chunkSize)] {
                partial.apply(change)
            }
            partials[chunk] = partial
        }
        for partial in partials.values { add(partial) }
    }

    /// The commitment of a whole state, hashed on every core.
    public static func of(_ entries: [(StateKey, StateValue)]) -> StateCommitment {
        var commitment = StateCommitment.empty
        commitment.apply(changes: entries.map { StateChange(key: $0.0, oldValue: nil, newValue: $0.1) })
        return commitment
    }

    /// Adds another commitment lane-wise: the commitment of the union of two disjoint states.
    public mutating func add(_ other: StateCommitment) {
        for lane in 0..<Self.laneCount { lanes[lane] &+= other.lanes[lane] }
    }

    /// SHA-256 of the encoded lanes: the 32-byte form carried in block headers and printed to users.
    public var digest: Hash32 { Hash32.sha256(encoded) }

    /// The lanes, big-endian.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: Self.byteCount)
        for lane in lanes { writer.write(lane) }
        return writer.bytes
    }

    /// Decodes ``encoded`` bytes.
    /// - Throws: ``CodecError`` unless `bytes` holds exactly ``byteCount`` bytes.
    public init(encoded bytes: [UInt8]) throws(CodecError) {
        guard bytes.count == Self.byteCount else {
            throw CodecError.invalidLength(what: "state commitment", expected: Self.byteCount, actual: bytes.count)
        }
        var reader = ByteReader(bytes)
        var lanes: [UInt64] = []
        for _ in 0..<Self.laneCount { lanes.append(try reader.readUInt64("commitment lane")) }
        self.lanes = lanes
    }

    private static let domain = Array("takeoff/state-commitment/v2".utf8)

    private static func accumulate(_ key: StateKey, _ value: StateValue, into lanes: inout [UInt64], subtracting: Bool) {
        var writer = ByteWriter(capacity: 96)
        writer.write(raw: domain)
        key.encode(to: &writer)
        value.encode(to: &writer)
        let seed = SHA256.hash(data: writer.bytes).withUnsafeBytes { raw in
            (0..<8).map { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }
        for blockIndex in 0..<(laneCount / 8) {
            let words = ChaCha20.block(key: seed, counter: UInt32(blockIndex), nonce: (0, 0, 0))
            for pair in 0..<8 {
                let value = UInt64(words[2 * pair]) | UInt64(words[2 * pair + 1]) << 32
                let lane = blockIndex * 8 + pair
                if subtracting { lanes[lane] &-= value } else { lanes[lane] &+= value }
            }
        }
    }
}
