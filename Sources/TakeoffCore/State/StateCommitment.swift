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
/// ChaCha20 expands it; lane 8b+j of block b is keystream words 2j (low) and 2j+1 (high). Both run in
/// `CLatticeHash`, in the kernels ``CommitmentKernels/active`` names: many pairs at a time across the vector lanes
/// the processor has (AVX-512, AVX2, NEON; SHA-NI for the hashing), or the portable path (swift-crypto's SHA-256
/// and plain C); every kernel gives the same lanes, tested against each other, RFC 8439's vector and swift-crypto.
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
        accumulate(seeds: Self.seed(key, value), count: 1, subtracting: false, using: CommitmentKernels.active.expansion)
    }

    /// Removes the pair (`key`, `value`) from the committed state.
    public mutating func remove(_ key: StateKey, _ value: StateValue) {
        accumulate(seeds: Self.seed(key, value), count: 1, subtracting: true, using: CommitmentKernels.active.expansion)
    }

    /// Applies one change: removes the old pair, adds the new one.
    public mutating func apply(_ change: StateChange) { apply(changes: [change]) }

    /// Applies every change of a block. Large change sets are hashed on all cores: the sum does not depend on
    /// the order of its terms.
    public mutating func apply(_ changeSet: ChangeSet) { apply(changes: changeSet.changes) }

    /// Applies changes in any order (the sum does not depend on it): the pairs are hashed in batches and
    /// expanded many at a time, on every core when there are many.
    public mutating func apply(changes: [StateChange]) { apply(changes: changes, kernels: .active) }

    /// Applies changes with the given kernels, for tests and measurements: the result is the same with any of them.
    /// - Precondition: `kernels.isSupported` (the kernel stops the process with a message otherwise).
    public mutating func apply(changes: [StateChange], kernels: CommitmentKernels) {
        let chunkSize = 4096
        guard changes.count > chunkSize else {
            applyBatch(changes[...], kernels: kernels)
            return
        }
        let chunkCount = (changes.count + chunkSize - 1) / chunkSize
        let partials = ConcurrentResults<StateCommitment>(count: chunkCount, initial: .empty)
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            var partial = StateCommitment.empty
            partial.applyBatch(changes[chunk * chunkSize..<min(changes.count, (chunk + 1) * chunkSize)], kernels: kernels)
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
    private mutating func applyBatch(_ changes: ArraySlice<StateChange>, kernels: CommitmentKernels) {
        var added = PairMessages(capacity: changes.count)
        var removed = PairMessages(capacity: changes.count)
        for change in changes {
            if let oldValue = change.oldValue { removed.append(change.key, oldValue) }
            if let newValue = change.newValue { added.append(change.key, newValue) }
        }
        accumulate(seeds: added.seeds(using: kernels.pairHash), count: added.count, subtracting: false, using: kernels.expansion)
        accumulate(seeds: removed.seeds(using: kernels.pairHash), count: removed.count, subtracting: true, using: kernels.expansion)
    }

    /// The encodings of a batch's pairs (domain tag, key, value), one buffer for all, and their SHA-256 digests: by
    /// the hashing kernel for messages that fit two SHA-256 blocks, by swift-crypto for longer ones (and for all of
    /// them with the ``CommitmentKernels/PairHash/library`` kernel).
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
        func seeds(using pairHash: CommitmentKernels.PairHash) -> [UInt8] {
            guard count > 0 else { return [] }
            var seeds = [UInt8](repeating: 0, count: count * 32)
            let kernel = pairHash.kernel
            // Messages longer than this go to swift-crypto: those past the C kernels' limit, or all of them.
            let longest = kernel == nil ? -1 : Int(TAKEOFF_PAIR_HASH_MAXIMUM_LENGTH)
            writer.bytes.withUnsafeBufferPointer { messages in
                seeds.withUnsafeMutableBytes { output in
                    if let kernel {
                        takeoff_pair_hash_batch(
                            kernel, messages.baseAddress, starts, lengths, count, output.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                    for member in 0..<count where Int(lengths[member]) > longest {
                        let message = UnsafeRawBufferPointer(
                            rebasing: UnsafeRawBufferPointer(messages)[Int(starts[member])..<Int(starts[member] + lengths[member])])
                        SHA256.hash(data: message).withUnsafeBytes { digest in
                            UnsafeMutableRawBufferPointer(rebasing: output[member * 32..<member * 32 + 32]).copyMemory(from: digest)
                        }
                    }
                }
            }
            return seeds
        }
    }

    private mutating func accumulate(seeds: [UInt8], count: Int, subtracting: Bool, using expansion: CommitmentKernels.Expansion) {
        guard count > 0 else { return }
        seeds.withUnsafeBufferPointer { seedBuffer in
            lanes.withUnsafeMutableBufferPointer { laneBuffer in
                takeoff_lattice_accumulate(
                    expansion.kernel, seedBuffer.baseAddress, count, Self.blocksPerPair, subtracting ? 1 : 0, laneBuffer.baseAddress)
            }
        }
    }
}
