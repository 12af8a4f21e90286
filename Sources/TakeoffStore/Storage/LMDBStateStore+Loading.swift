import Dispatch
import Foundation
import TakeoffCore
import TakeoffIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LMDBStateStore {
    /// Writes a genesis block (block 0) into an empty store.
    /// - Returns: the genesis head.
    /// - Throws: `StateStoreFault/alreadyLoaded(location:head:)`; ``LMDBError`` on storage failures.
    @discardableResult
    public func initialize(_ genesis: Genesis) throws -> StoreHead {
        // Genesis computed its commitment from these very entries: no need to hash them twice.
        var entries: [(StateKey, StateValue)]? = genesis.changeSet.genesisEntries(0..<genesis.changeSet.count)
        try bulkLoad(next: { defer { entries = nil }; return entries }, hashing: false) { _ in genesis.head }
        return genesis.head
    }

    /// Loads a whole state into an empty store (see `StateStore/load(chunks:head:)`), streamed in constant
    /// memory besides the chunk at hand.
    ///
    /// Each chunk is appended (`MDB_APPEND`) in its own write transaction, and the transactions are flushed
    /// to disk once at the end rather than one by one. The head is written last: a load cut off by a crash
    /// leaves a store without a head, which the next load clears and starts over.
    /// - Throws: `StateStoreFault/alreadyLoaded(location:head:)`, `GenesisError/unsortedKeys(key:after:)` (no
    ///   head is written then), what `next` or `head` throws, ``LMDBError`` on storage failures.
    @discardableResult
    public func load(chunks next: () throws -> [(StateKey, StateValue)]?, head: (GenesisSummary) throws -> StoreHead) throws -> StoreHead {
        var loaded: StoreHead?
        try bulkLoad(next: next, hashing: true) { builder in
            loaded = try head(builder.finish())
            return loaded!
        }
        return loaded!
    }

    /// Clears the state table of an empty store, appends the chunks, then writes the head that `finish` returns
    /// from everything added. Without `hashing` (the caller knows the head already) `finish` gets an empty
    /// builder.
    func bulkLoad(
        next: () throws -> [(StateKey, StateValue)]?, hashing: Bool, finish: (GenesisBuilder) throws -> StoreHead
    ) throws {
        try environment.withWriteTransaction { transaction in
            if let existing = try readHead(transaction) {
                throw StateStoreFault.alreadyLoaded(location: path, head: existing.block)
            }
            // What an interrupted load left behind.
            try transaction.clear(stateTable)
        }
        var builder = GenesisBuilder()
        try environment.withoutFlushingEachCommit {
            while let chunk = try next() {
                if hashing { try builder.add(chunk) }
                try environment.withWriteTransaction { transaction in
                    for (key, value) in chunk {
                        // Keys arrive sorted into an empty table, so MDB_APPEND skips the B-tree searches (and
                        // refuses a key that is not greater than the last).
                        try transaction.put(in: stateTable, key: key.encoded, value: value.encoded, append: true)
                    }
                }
            }
        }
        let head = try finish(builder)
        try environment.withWriteTransaction { transaction in
            try transaction.put(in: metaTable, key: Self.formatKey, value: [Self.formatVersion])
            try writeHead(head, in: transaction)
        }
    }
}
