/// The ways into an empty store besides ``StateStore/initialize(_:)`` and ``StateStore/load(chunks:head:)``,
/// built on them so that every store has them: a genesis from its entries, whole or streamed, and a snapshot.
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

    /// Loads a complete state whose head is `head` (a snapshot's) into an empty store, taking its chunks (in
    /// increasing key order) from `next` until it returns nil. The source may throw (a damaged file, say): the
    /// load stops there, and no head is written.
    /// - Throws: ``StateStoreFault/commitmentMismatch(block:header:computed:)`` when the entries do not give
    ///   `head`'s commitment, ``GenesisError/unsortedKeys(key:after:)``; no head is written then.
    public func loadSnapshot(head: StoreHead, chunks next: () throws -> [(StateKey, StateValue)]?) throws {
        _ = try load(chunks: next) { loaded in
            guard loaded.commitment == head.commitment else {
                throw StateStoreFault.commitmentMismatch(block: head.block, header: head.commitment.digest, computed: loaded.commitment.digest)
            }
            return head
        }
    }
}
