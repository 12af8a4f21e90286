/// What the store has committed last.
public struct StoreHead: Hashable, Sendable {
    /// The number of the last committed block (0 for genesis).
    public var block: UInt64
    /// That block's header hash (zero for genesis): the next block's parent hash.
    public var blockHash: Hash32
    /// The commitment of the state after that block.
    public var commitment: StateCommitment

    /// Creates a head.
    public init(block: UInt64, blockHash: Hash32, commitment: StateCommitment) {
        self.block = block
        self.blockHash = blockHash
        self.commitment = commitment
    }
}
