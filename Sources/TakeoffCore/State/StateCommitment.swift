import CLatticeHash
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
/// The vector of a pair is the ChaCha20 keystream (RFC 8439 block function, nonce zero, blocks 0 to 9)
/// keyed by the SHA-256 of the pair's encoding under a domain tag: SHA-256 (swift-crypto) binds the pair,
/// ChaCha20 expands it; lane 8b+j of block b is keystream words 2j (low) and 2j+1 (high). The expansion
/// runs in `CLatticeHash`, 16 pairs at a time across AVX-512 lanes where the processor has them (a portable
/// path otherwise; both give the same lanes, tested against RFC 8439's vector and swift-crypto's ChaCha20).
///
/// Security, estimated for 80 lanes of 64 bits (N = 5,120 bits):
/// - Generalized birthday: finding a set of pairs whose vectors sum to zero (two states with one
///   commitment) is Wagner's k-list problem (D. Wagner, "A Generalized Birthday Problem", CRYPTO 2002),
///   which costs about 2^(N/(1 + lg k)) per list over k lists; the best k gives about 2^(2·√N). With
///   N = 5,120 the minimum of N/(1 + L) + L over L = lg k is about 142 bits (L ≈ 71). 64 lanes (4,096
///   bits) would give about 127, just under 128, which is why there are 80.
/// - Lattice attacks: a collision is a short vector (coefficients in {-1, 0, 1}: each pair is in a state
///   once) in the kernel of the n × m matrix of vectors mod q = 2^64, an inhomogeneous SIS instance. The
///   LtHash analysis (Lewi, Kim, Maykov, Weis, "Securing Update Propagation with Homomorphic Hashing",
///   IACR ePrint 2019/227, section 4) and the SIS estimates of Micciancio and Regev ("Lattice-based
///   Cryptography", 2009) need lattice reduction to root Hermite factor δ with 2·√(n·lg q·lg δ) ≤ lg √m
///   for such a vector; with n·lg q = 5,120 and m in the thousands that asks lg δ below 0.0025, far beyond
///   BKZ at any block size feasible (δ ≈ 1.005 already costs about 2^100 to reach), so the generalized
///   birthday bound is the binding one.
/// - The expansion is a PRF (ChaCha20 keyed by a 256-bit SHA-256 digest): two pairs share a vector only
///   through a SHA-256 collision (2^128).
/// SIMD-0215 (Solana's accounts lattice hash) and LtHash use 1,024 lanes of 16 bits (16,384 bits) from
/// BLAKE3; 80 × 64 keeps 128-bit security with a quarter of the keystream per pair, which is what the
/// commitment costs: it is the floor of a cheap block.
public struct StateCommitment: Hashable, Sendable {
    /// The number of 64-bit lanes.
    public static let laneCount = 80
    /// The encoded size in bytes.
    public static let byteCount = laneCount * 8
    /// ChaCha20 blocks per pair: 8 lanes each.
    static let blocksPerPair = laneCount / 8

    /// The lanes, `laneCount` of them.
    public private(set) var lanes: [UInt64]

    /// The commitment of the empty state.
    public static var empty: StateCommitment { StateCommitment(lanes: [UInt64](repeating: 0, count: laneCount)) }

    private init(lanes: [UInt64]) { self.lanes = lanes }

    /// Adds the pair (`key`, `value`) to the committed state.
    public mutating func insert(_ key: StateKey, _ value: StateValue) {
        accumulate(seeds: Self.seed(key, value), count: 1, subtracting: false)
    }

    /// Removes the pair (`key`, `value`) from the committed state.
    public mutating func remove(_ key: StateKey, _ value: StateValue) {
        accumulate(seeds: Self.seed(key, value), count: 1, subtracting: true)
    }

    /// Applies one change: removes the old pair, adds the new one.
    public mutating func apply(_ change: StateChange) { apply(changes: [change]) }

    /// Applies every change of a block. Large change sets are hashed on all cores: the sum does not depend on
    /// the order of its terms.
    public mutating func apply(_ changeSet: ChangeSet) { apply(changes: changeSet.changes) }

    /// Applies changes in any order (the sum does not depend on it): the pairs are hashed in batches and
    /// expanded many at a time, on every core when there are many.
    public mutating func apply(changes: [StateChange]) {
        let chunkSize = 4096
        guard changes.count > chunkSize else {
            applyBatch(changes[...])
            return
        }
        let chunkCount = (changes.count + chunkSize - 1) / chunkSize
        let partials = ConcurrentResults<StateCommitment>(count: chunkCount, initial: .empty)
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            var partial = StateCommitment.empty
            partial.applyBatch(changes[chunk * chunkSize..<min(changes.count, (chunk + 1) * chunkSize)])
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

    static let domain = Array("takeoff/state-commitment/v3".utf8)

    /// The 32-byte seed of a pair: SHA-256 of the domain tag and the pair's encoding.
    static func seed(_ key: StateKey, _ value: StateValue) -> [UInt8] {
        var writer = ByteWriter(capacity: 128)
        writer.write(raw: domain)
        key.encode(to: &writer)
        value.encode(to: &writer)
        return Array(SHA256.hash(data: writer.bytes))
    }

    /// Hashes a batch's pairs into two seed buffers (added and removed) and expands each in one kernel call.
    private mutating func applyBatch(_ changes: ArraySlice<StateChange>) {
        var added = PairMessages(capacity: changes.count)
        var removed = PairMessages(capacity: changes.count)
        for change in changes {
            if let oldValue = change.oldValue { removed.append(change.key, oldValue) }
            if let newValue = change.newValue { added.append(change.key, newValue) }
        }
        let addedSeeds = added.seeds()
        let removedSeeds = removed.seeds()
        accumulate(seeds: addedSeeds, count: added.count, subtracting: false)
        accumulate(seeds: removedSeeds, count: removed.count, subtracting: true)
    }

    /// The encodings of a batch's pairs (domain tag, key, value), one buffer for all, and their SHA-256
    /// digests: 16 at a time across AVX-512 lanes where the processor has them and a message fits two
    /// SHA-256 blocks, through swift-crypto otherwise (the tests check both give the same digests).
    struct PairMessages {
        private var writer: ByteWriter
        private var starts: [UInt32] = []
        private var lengths: [UInt32] = []

        init(capacity: Int) {
            writer = ByteWriter(capacity: capacity * 96)
            starts.reserveCapacity(capacity)
            lengths.reserveCapacity(capacity)
        }

        var count: Int { starts.count }

        mutating func append(_ key: StateKey, _ value: StateValue) {
            let start = writer.bytes.count
            writer.write(raw: StateCommitment.domain)
            key.encode(to: &writer)
            value.encode(to: &writer)
            starts.append(UInt32(start))
            lengths.append(UInt32(writer.bytes.count - start))
        }

        /// The 32-byte seeds, in the order the pairs were appended.
        func seeds(vectorized: Bool = takeoff_sha256_x16_available() != 0) -> [UInt8] {
            var seeds = [UInt8](repeating: 0, count: count * 32)
            let maximum = UInt32(TAKEOFF_SHA256_X16_MAXIMUM_LENGTH)
            writer.bytes.withUnsafeBufferPointer { messages in
                seeds.withUnsafeMutableBufferPointer { output in
                    var index = 0
                    var groupStarts = [UInt32](repeating: 0, count: 16)
                    var groupLengths = [UInt32](repeating: 0, count: 16)
                    var groupMembers = [Int](repeating: 0, count: 16)
                    var digests = [UInt8](repeating: 0, count: 16 * 32)
                    var filled = 0
                    func scalar(_ member: Int) {
                        let message = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(messages)[Int(starts[member])..<Int(starts[member] + lengths[member])])
                        SHA256.hash(data: message).withUnsafeBytes { digest in
                            UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(output)[member * 32..<member * 32 + 32]).copyMemory(from: digest)
                        }
                    }
                    while index < count {
                        if vectorized && lengths[index] <= maximum {
                            groupStarts[filled] = starts[index]
                            groupLengths[filled] = lengths[index]
                            groupMembers[filled] = index
                            filled += 1
                            if filled == 16 {
                                takeoff_sha256_x16(messages.baseAddress, groupStarts, groupLengths, &digests)
                                digests.withUnsafeBytes { digests in
                                    for lane in 0..<16 {
                                        (output.baseAddress! + groupMembers[lane] * 32).withMemoryRebound(to: UInt8.self, capacity: 32) {
                                            UnsafeMutableRawPointer($0).copyMemory(from: digests.baseAddress! + lane * 32, byteCount: 32)
                                        }
                                    }
                                }
                                filled = 0
                            }
                        } else {
                            scalar(index)
                        }
                        index += 1
                    }
                    for lane in 0..<filled { scalar(groupMembers[lane]) }
                }
            }
            return seeds
        }
    }

    private mutating func accumulate(seeds: [UInt8], count: Int, subtracting: Bool) {
        guard count > 0 else { return }
        seeds.withUnsafeBufferPointer { seedBuffer in
            lanes.withUnsafeMutableBufferPointer { laneBuffer in
                takeoff_lattice_accumulate(seedBuffer.baseAddress, count, Self.blocksPerPair, subtracting ? 1 : 0, laneBuffer.baseAddress)
            }
        }
    }

    /// The kernel expanding pairs on this processor: `avx512` or `portable`.
    public static var kernel: String { String(cString: takeoff_lattice_kernel()) }
}
