import Foundation

/// The persistent state: every (key, value) pair, the head block and the state commitment, in one LMDB
/// environment.
///
/// Tables:
/// - `state`: encoded ``StateKey`` → encoded ``StateValue``.
/// - `meta`: `head` (block number), `headHash` (its header hash), `commitment` (the lanes of the
///   ``StateCommitment``).
///
/// A block's changes, its number and the new commitment are written in one write transaction, so after a
/// crash the store holds either the block entirely or not at all.
public final class StateStore: Sendable {
    /// The LMDB environment underneath.
    public let environment: LMDBEnvironment
    private let stateTable: LMDBTable
    private let metaTable: LMDBTable

    private static let headKey = Array("head".utf8)
    private static let headHashKey = Array("headHash".utf8)
    private static let commitmentKey = Array("commitment".utf8)

    /// Opens the store in `directory`, an existing directory (created by LMDB's files if empty).
    /// - Parameters:
    ///   - directory: where the LMDB files live.
    ///   - syncOnCommit: flush every commit to disk (the default); off for scratch stores and benchmarks.
    ///   - initialMapSize: the starting map size; it grows by doubling when full.
    /// - Throws: ``LMDBError`` naming the directory when it is missing, unreadable or not writable.
    public init(directory: String, syncOnCommit: Bool = true, initialMapSize: Int = 256 << 20) throws {
        environment = try LMDBEnvironment(path: directory, mapSize: initialMapSize, syncOnCommit: syncOnCommit)
        stateTable = try environment.table("state")
        metaTable = try environment.table("meta")
    }

    /// The directory of the store.
    public var path: String { environment.path }

    /// The head block, its hash and the commitment, or `nil` before genesis.
    public func head() throws -> StoreHead? {
        try environment.withReadTransaction { try readHead($0) }
    }

    /// Writes the genesis state (block 0) into an empty store.
    /// - Parameter entries: the initial pairs; keys must be distinct.
    /// - Returns: the genesis head.
    /// - Throws: ``StateStoreError/alreadyInitialized(path:head:)`` when the store has a head already;
    ///   ``LMDBError`` on storage failures.
    @discardableResult
    public func initializeGenesis(_ entries: [(StateKey, StateValue)]) throws -> StoreHead {
        let changeSet = ChangeSet(unsorted: entries.map { StateChange(key: $0.0, oldValue: nil, newValue: $0.1) })
        var commitment = StateCommitment.empty
        commitment.apply(changeSet)
        let head = StoreHead(block: 0, blockHash: .zero, commitment: commitment)
        try environment.withWriteTransaction { transaction in
            if let existing = try readHead(transaction) {
                throw StateStoreError.alreadyInitialized(path: path, head: existing.block)
            }
            // Keys arrive sorted and the table is empty, so MDB_APPEND skips the B-tree searches.
            let append = try transaction.count(of: stateTable) == 0
            for change in changeSet.changes {
                try transaction.put(in: stateTable, key: change.key.encoded, value: change.newValue!.encoded, append: append)
            }
            try writeHead(head, in: transaction)
        }
        return head
    }

    /// Commits one block: applies its change set and records it as the head, atomically.
    ///
    /// Every change's previous value is checked against the store, so a change set computed over another
    /// state is refused instead of corrupting this one.
    /// - Parameters:
    ///   - header: the block's header; its number must be the head's plus one and its commitment must be
    ///     the one `changeSet` produces.
    ///   - changeSet: the block's changes.
    /// - Returns: the new head.
    /// - Throws: ``StateStoreError`` for an out-of-order block, a stale change or a commitment mismatch;
    ///   ``LMDBError`` on storage failures. Nothing is written when it throws.
    @discardableResult
    public func commit(_ header: BlockHeader, changeSet: ChangeSet) throws -> StoreHead {
        try environment.withWriteTransaction { transaction in
            guard let current = try readHead(transaction) else { throw StateStoreError.notInitialized(path: path) }
            guard header.number == current.block + 1 else {
                throw StateStoreError.unexpectedBlock(expected: current.block + 1, got: header.number)
            }
            var commitment = current.commitment
            commitment.apply(changeSet)
            guard commitment.digest == header.stateCommitment else {
                throw StateStoreError.commitmentMismatch(
                    block: header.number, header: header.stateCommitment, computed: commitment.digest)
            }
            for change in changeSet.changes {
                let key = change.key.encoded
                let stored = try decodeValue(try transaction.value(in: stateTable, forKey: key), key: change.key)
                guard stored == change.oldValue else {
                    throw StateStoreError.staleChange(
                        block: header.number, key: change.key, expected: change.oldValue, found: stored)
                }
                if let newValue = change.newValue {
                    try transaction.put(in: stateTable, key: key, value: newValue.encoded)
                } else {
                    try transaction.delete(in: stateTable, key: key)
                }
            }
            let head = StoreHead(block: header.number, blockHash: header.hash, commitment: commitment)
            try writeHead(head, in: transaction)
            return head
        }
    }

    /// Runs `body` with a consistent read-only view of the store: the state and head as of the latest commit.
    ///
    /// The snapshot may be read from several threads at once (each borrows its own LMDB read transaction),
    /// and must not be used after `body` returns. Do not commit inside `body`: a commit that grows the map
    /// waits for open snapshots.
    /// - Throws: ``StateStoreError/notInitialized(path:)`` before genesis, or what `body` throws.
    public func withSnapshot<Result>(_ body: (StateSnapshot) throws -> Result) throws -> Result {
        try environment.withReadTransaction { transaction in
            guard let head = try readHead(transaction) else { throw StateStoreError.notInitialized(path: path) }
            let readers = ReadTransactionPool(environment: environment, primary: transaction)
            defer { readers.close() }
            return try body(StateSnapshot(store: self, readers: readers, head: head))
        }
    }

    /// The value under `key` in the latest committed state.
    /// - Throws: ``LMDBError`` or ``StateStoreError/corrupt(path:what:reason:)``.
    public func value(for key: StateKey) throws -> StateValue? {
        try environment.withReadTransaction { try value(for: key, in: $0) }
    }

    /// The number of keys in the state.
    /// - Throws: ``LMDBError``.
    public func keyCount() throws -> Int {
        try environment.withReadTransaction { try $0.count(of: stateTable) }
    }

    /// Calls `body` with every (key, value) pair in key order.
    /// - Throws: ``StateStoreError/corrupt(path:what:reason:)`` for undecodable entries, ``LMDBError``.
    public func forEachEntry(_ body: (StateKey, StateValue) throws -> Void) throws {
        try environment.withReadTransaction { transaction in
            try transaction.forEach(in: stateTable) { keyBytes, valueBytes in
                let key: StateKey
                do throws(CodecError) { key = try StateKey(encoded: Array(keyBytes)) } catch {
                    throw StateStoreError.corrupt(path: path, what: "state key", reason: error)
                }
                guard let value = try decodeValue(Array(valueBytes), key: key) else { return true }
                try body(key, value)
                return true
            }
        }
    }

    /// The commitment recomputed from every stored pair: checks the incremental one.
    /// - Throws: as ``forEachEntry(_:)``.
    public func recomputeCommitment() throws -> StateCommitment {
        var commitment = StateCommitment.empty
        try forEachEntry { key, value in commitment.insert(key, value) }
        return commitment
    }

    func value(for key: StateKey, in transaction: some LMDBReading) throws -> StateValue? {
        try decodeValue(try transaction.value(in: stateTable, forKey: key.encoded), key: key)
    }

    private func decodeValue(_ bytes: [UInt8]?, key: StateKey) throws -> StateValue? {
        guard let bytes else { return nil }
        do throws(CodecError) { return try StateValue(encoded: bytes) } catch {
            throw StateStoreError.corrupt(path: path, what: "value of \(key)", reason: error)
        }
    }

    private func readHead(_ transaction: some LMDBReading) throws -> StoreHead? {
        guard let blockBytes = try transaction.value(in: metaTable, forKey: Self.headKey) else { return nil }
        do {
            var reader = ByteReader(blockBytes)
            let block = try reader.readUInt64("head block")
            let hash = try Hash32(bytes: try transaction.value(in: metaTable, forKey: Self.headHashKey) ?? [])
            let commitment = try StateCommitment(encoded: try transaction.value(in: metaTable, forKey: Self.commitmentKey) ?? [])
            return StoreHead(block: block, blockHash: hash, commitment: commitment)
        } catch let error as CodecError {
            throw StateStoreError.corrupt(path: path, what: "head record", reason: error)
        }
    }

    private func writeHead(_ head: StoreHead, in transaction: LMDBWriteTransaction) throws {
        var writer = ByteWriter(capacity: 8)
        writer.write(head.block)
        try transaction.put(in: metaTable, key: Self.headKey, value: writer.bytes)
        try transaction.put(in: metaTable, key: Self.headHashKey, value: head.blockHash.bytes)
        try transaction.put(in: metaTable, key: Self.commitmentKey, value: head.commitment.encoded)
    }
}

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

/// A read-only, consistent view of a ``StateStore``, valid inside ``StateStore/withSnapshot(_:)``. Safe to
/// read from several threads at once.
public struct StateSnapshot: StateReader, Sendable {
    let store: StateStore
    let readers: ReadTransactionPool
    /// The head the snapshot was taken at.
    public let head: StoreHead

    public func value(for key: StateKey) throws -> StateValue? {
        try readers.withTransaction { try store.value(for: key, in: $0) }
    }
}
