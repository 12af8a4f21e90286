import TakeoffCore

extension StateStore {
    /// Loads a log's block 0, the genesis state, into this empty store, streamed, checking that its entries give
    /// block 0's header before the store gets its head.
    /// - Returns: the store's head.
    /// - Throws: `ReplayError/inconsistentBlock(block:reason:)` when they do not, or are out of key order (the
    ///   store gets no head); the log's or the store's errors for what cannot be read or written.
    @discardableResult
    public func loadGenesis(from log: some BlockLog) throws -> StoreHead {
        try log.readGenesis { header, next in
            do {
                return try load(chunks: next) { loaded in
                    guard loaded.header == header else {
                        throw ReplayError.inconsistentBlock(block: 0, reason: "the genesis entries do not give block 0's header")
                    }
                    return loaded.head
                }
            } catch GenesisError.unsortedKeys(let key, _) {
                throw ReplayError.inconsistentBlock(block: 0, reason: "the genesis entries are out of key order at \(key)")
            }
        }
    }
}
