/// The state before block 1, as block 0: its entries as a change set (every key inserted) and a header
/// whose hash is block 1's parent hash.
///
/// It holds every entry in memory; a large genesis is streamed instead, through ``GenesisBuilder``.
public struct Genesis: Sendable {
    /// Every genesis entry as an insertion, sorted by key.
    public let changeSet: ChangeSet
    /// Block 0's header and the state commitment.
    public let summary: GenesisSummary

    /// Builds the genesis block from its entries; keys must be distinct.
    public init(entries: [(StateKey, StateValue)]) {
        self.init(changeSet: ChangeSet(unsorted: entries.map { StateChange(key: $0.0, oldValue: nil, newValue: $0.1) }))
    }

    /// Builds the genesis block from a change set of insertions (as archived in block 0).
    public init(changeSet: ChangeSet) {
        var builder = GenesisBuilder()
        // A change set's keys are sorted and distinct, so the builder takes them.
        try! builder.add(changeSet.genesisEntries(0..<changeSet.count))
        self.changeSet = changeSet
        summary = builder.finish()
    }

    /// The commitment of the genesis state.
    public var commitment: StateCommitment { summary.commitment }
    /// Block 0's header.
    public var header: BlockHeader { summary.header }
    /// The store head right after genesis.
    public var head: StoreHead { summary.head }
}

extension ChangeSet {
    /// The changes in `range` as genesis entries (key, new value). A removal has no place in a genesis: it
    /// is taken as a zero amount, which gives a header no well-formed genesis carries, so it is refused there.
    package func genesisEntries(_ range: Range<Int>) -> [(StateKey, StateValue)] {
        changes[range].map { ($0.key, $0.newValue ?? .amount(0)) }
    }
}
