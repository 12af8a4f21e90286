/// The state before block 1, as block 0: its entries as a change set (every key inserted) and a header
/// whose hash is block 1's parent hash.
public struct Genesis: Sendable {
    /// Every genesis entry as an insertion, sorted by key.
    public let changeSet: ChangeSet
    /// The commitment of the genesis state.
    public let commitment: StateCommitment
    /// Block 0's header.
    public let header: BlockHeader

    /// Builds the genesis block from its entries; keys must be distinct.
    public init(entries: [(StateKey, StateValue)]) {
        self.init(changeSet: ChangeSet(unsorted: entries.map { StateChange(key: $0.0, oldValue: nil, newValue: $0.1) }))
    }

    /// Builds the genesis block from a change set of insertions (as archived in block 0).
    public init(changeSet: ChangeSet) {
        var commitment = StateCommitment.empty
        commitment.apply(changeSet)
        self.changeSet = changeSet
        self.commitment = commitment
        header = BlockHeader(
            context: BlockContext(number: 0, timestamp: 0, feeCollector: .zero), parentHash: .zero, transactionCount: 0,
            transactionsDigest: Hash32.sha256([UInt8]()), receiptsDigest: Hash32.sha256([UInt8]()),
            changeSetDigest: changeSet.digest, stateCommitment: commitment.digest)
    }

    /// The store head right after genesis.
    public var head: StoreHead { StoreHead(block: 0, blockHash: header.hash, commitment: commitment) }
}
