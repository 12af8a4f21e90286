/// The ways into an empty store, built on ``StateStore/initialize(_:)`` and
/// ``StateStore/load(chunks:head:)``, so that every store has them.
extension StateStore {
    /// Writes the genesis state (block 0) made of `entries` into an empty store.
    /// - Parameter entries: the initial pairs, in any order; keys must be distinct.
    /// - Returns: the genesis head.
    @discardableResult
    public func initializeGenesis(_ entries: [(StateKey, StateValue)]) throws -> StoreHead {
        try initialize(Genesis(entries: entries))
    }

    /// Streams a genesis state of any size into an empty store, chunk by chunk, in constant memory besides the
    /// chunk at hand.
    /// - Parameter chunks: the genesis entries in increasing key order, keys distinct, in chunks of any size.
    /// - Returns: block 0's header, the commitment and the number of entries.
    /// - Throws: ``GenesisError/unsortedKeys(key:after:)`` (no head is written then), and the store's errors.
    @discardableResult
    public func initializeGenesis<Chunks: Sequence<[(StateKey, StateValue)]>>(streaming chunks: Chunks) throws -> GenesisSummary {
        var iterator = chunks.makeIterator()
        var summary: GenesisSummary?
        _ = try load(chunks: { iterator.next() }) { loaded in
            summary = loaded
            return loaded.head
        }
        return summary!
    }

    /// Loads a complete state whose head is `head` (a snapshot's) into an empty store, taking its chunks from
    /// `next` until it returns nil. The source may throw (a damaged file, say): the load stops there, and no
    /// head is written.
    /// - Throws: ``StateStoreFault/commitmentMismatch(block:header:computed:)`` when the entries do not give
    ///   `head`'s commitment, ``GenesisError/unsortedKeys(key:after:)``; no head is written then.
    public func load(head: StoreHead, chunks next: () throws -> [(StateKey, StateValue)]?) throws {
        _ = try load(chunks: next) { loaded in
            guard loaded.commitment == head.commitment else {
                throw StateStoreFault.commitmentMismatch(block: head.block, header: head.commitment.digest, computed: loaded.commitment.digest)
            }
            return head
        }
    }

    /// Loads a complete state whose head is `head`, streamed in chunks, as ``load(head:chunks:)`` does.
    public func load<Chunks: Sequence<[(StateKey, StateValue)]>>(streaming chunks: Chunks, head: StoreHead) throws {
        var iterator = chunks.makeIterator()
        try load(head: head) { iterator.next() }
    }

    /// Loads a complete state whose head is `head`, given whole in increasing key order.
    public func load(_ entries: [(StateKey, StateValue)], head: StoreHead) throws {
        try load(streaming: CollectionOfOne(entries), head: head)
    }
}
