import Crypto

/// The change-set digest of genesis entries streamed in increasing key order: what block 0's header records of
/// them besides the commitment, at a fraction of the commitment's cost (one SHA-256 over their encoding).
public struct GenesisDigest: Sendable {
    private var digest = SHA256()
    private var lastKey: StateKey?
    /// The entries added so far.
    public private(set) var count = 0

    /// Starts an empty genesis.
    public init() {}

    /// Adds the next entries; their keys must increase, within the chunk and after the chunks before.
    /// - Throws: ``GenesisError/unsortedKeys(key:after:)``, and nothing of the chunk is added.
    public mutating func add(_ entries: [(StateKey, StateValue)]) throws(GenesisError) {
        let last = try Self.checkOrder(entries, after: lastKey)
        digest.update(data: Self.encoding(entries))
        lastKey = last
        count += entries.count
    }

    /// The digest of everything added: block 0's ``BlockHeader/changeSetDigest``.
    public func finish() -> Hash32 { Hash32(digest.finalize()) }

    /// The last key of `entries` (or `previous` when there are none), once their keys are found to increase
    /// from `previous` on.
    static func checkOrder(_ entries: [(StateKey, StateValue)], after previous: StateKey?) throws(GenesisError) -> StateKey? {
        var previous = previous
        for (key, _) in entries {
            if let previous, !(previous < key) { throw GenesisError.unsortedKeys(key: key, after: previous) }
            previous = key
        }
        return previous
    }

    /// The bytes the digest covers: each key and its value as a change set encodes them.
    static func encoding(_ entries: [(StateKey, StateValue)]) -> [UInt8] {
        var writer = ByteWriter(capacity: entries.count * 64)
        for (key, value) in entries {
            key.encode(to: &writer)
            ChangeSet.encode(value, to: &writer)
        }
        return writer.bytes
    }
}

/// Builds block 0's header from the genesis entries streamed in increasing key order, chunk by chunk.
///
/// It holds only the running change-set digest, the running commitment and the last key seen, so a genesis
/// of any size is summed in constant memory (besides the chunk being added). The header it finishes with
/// equals the one ``Genesis`` builds from the same entries at once.
public struct GenesisBuilder: Sendable {
    private var digest = SHA256()
    private var commitment = StateCommitment.empty
    private var lastKey: StateKey?
    /// The entries added so far.
    public private(set) var count = 0

    /// Starts an empty genesis.
    public init() {}

    /// Adds the next entries; their keys must increase, within the chunk and after the chunks before.
    /// - Throws: ``GenesisError/unsortedKeys(key:after:)``, and nothing of the chunk is added.
    public mutating func add(_ entries: [(StateKey, StateValue)]) throws(GenesisError) {
        let last = try GenesisDigest.checkOrder(entries, after: lastKey)
        digest.update(data: GenesisDigest.encoding(entries))
        commitment.apply(changes: entries.map { StateChange(key: $0.0, oldValue: nil, newValue: $0.1) })
        lastKey = last
        count += entries.count
    }

    /// Block 0's header and the commitment of everything added.
    public func finish() -> GenesisSummary {
        let header = BlockHeader(
            context: BlockContext(number: 0, timestamp: 0, feeCollector: .zero), parentHash: .zero, transactionCount: 0,
            transactionsDigest: Hash32.sha256([UInt8]()), receiptsDigest: Hash32.sha256([UInt8]()),
            changeSetDigest: Hash32(digest.finalize()),
            stateCommitment: commitment.digest)
        return GenesisSummary(header: header, commitment: commitment, entryCount: count)
    }
}

/// What identifies a genesis state without its entries: block 0's header and the state commitment.
public struct GenesisSummary: Hashable, Sendable {
    /// Block 0's header; its hash is block 1's parent hash.
    public let header: BlockHeader
    /// The commitment of the genesis state.
    public let commitment: StateCommitment
    /// The number of genesis entries.
    public let entryCount: Int

    /// The store head right after genesis.
    public var head: StoreHead { StoreHead(block: 0, blockHash: header.hash, commitment: commitment) }
}

/// A genesis whose entries cannot be taken as they come.
public enum GenesisError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `key` came after `after`, or equals it: genesis entries must be streamed in increasing key order.
    case unsortedKeys(key: StateKey, after: StateKey)

    public var description: String {
        switch self {
        case .unsortedKeys(let key, let after):
            "genesis entries must come in increasing key order, without repeats: \(key) came after \(after)"
        }
    }
}
