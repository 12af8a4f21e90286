import Dispatch
import Foundation
import TakeoffCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The persistent state: every (key, value) pair, the head block and the state commitment, in one LMDB
/// environment.
///
/// Tables:
/// - `state`: encoded `StateKey` → encoded `StateValue`.
/// - `meta`: `head` (block number), `headHash` (its header hash), `commitment` (the lanes of the
///   `StateCommitment`).
/// - `history`: for every commit, keyed by its last block number (big-endian): its first block, the hash
///   of the block before it and its change set with the previous values, so that ``unwind(to:)`` can
///   restore any earlier commit exactly. Off with `keepHistory: false`.
///
/// A block's changes, its number, the new commitment and its history entry are written in one write
/// transaction, so after a crash the store holds either the block entirely or not at all.
///
/// A store opened for writing holds the directory's writer lock for its life (a second writer gets
/// ``StateStoreError/locked(_:)``); one opened read-only takes no lock, creates nothing and never waits.
public final class StateStore: Sendable {
    /// The LMDB environment underneath.
    package let environment: LMDBEnvironment
    private let stateTable: LMDBTable
    private let metaTable: LMDBTable
    private let historyTable: LMDBTable
    /// Whether commits record their previous values for ``unwind(to:)``.
    public let keepsHistory: Bool
    /// Whether the store was opened read-only.
    public var isReadOnly: Bool { environment.isReadOnly }
    private let writerLock: WriterLock?

    private static let headKey = Array("head".utf8)
    private static let headHashKey = Array("headHash".utf8)
    private static let commitmentKey = Array("commitment".utf8)
    private static let unwoundKey = Array("unwound".utf8)
    private static let formatKey = Array("format".utf8)
    /// The store's format: tables, encodings and state commitment (2: the 80-lane commitment). A store of
    /// another format is refused.
    public static let formatVersion: UInt8 = 2

    /// Opens the store in `directory`, an existing directory (a new store's files are created in it when it
    /// has none, unless `readOnly`).
    /// - Parameters:
    ///   - directory: where the LMDB files live.
    ///   - syncOnCommit: flush every commit to disk (the default); off for scratch stores and benchmarks.
    ///   - initialMapSize: the starting map size; it doubles when full, and past 1 GiB grows by a quarter. A
    ///     writable store writes pages through the map (`MDB_WRITEMAP`) and allocates the map's extent in its
    ///     data file as it grows, so the file's size on disk is the map's size.
    ///   - keepHistory: record each commit's previous values so that it can be unwound.
    ///   - readOnly: open an existing store for reading only: no lock, nothing created or written.
    /// - Throws: ``StateStoreError/notFound(path:)`` when `readOnly` and `directory` holds no store;
    ///   ``StateStoreError/locked(_:)`` when another writer has the store; ``LMDBError`` naming the directory
    ///   when it is missing, unreadable or not writable.
    public init(
        directory: String, syncOnCommit: Bool = true, initialMapSize: Int = 8 << 20, keepHistory: Bool = true,
        readOnly: Bool = false
    ) throws {
        if readOnly {
            guard access(directory + "/data.mdb", F_OK) == 0 else { throw StateStoreError.notFound(path: directory) }
            writerLock = nil
        } else {
            do { writerLock = try WriterLock(directory: directory) } catch let error as WriterLockError {
                throw StateStoreError.locked(error)
            }
        }
        environment = try LMDBEnvironment(
            path: directory, mapSize: initialMapSize, syncOnCommit: syncOnCommit, readOnly: readOnly, writeMap: true)
        do {
            stateTable = try environment.table("state")
            metaTable = try environment.table("meta")
            historyTable = try environment.table("history")
        } catch let error as LMDBError where readOnly && error.code == LMDBError.notFoundCode {
            throw StateStoreError.notFound(path: directory)
        }
        keepsHistory = keepHistory
        try checkFormat()
    }

    /// Refuses a store written in another format (an older commitment, say): its commitments would not match.
    private func checkFormat() throws {
        try environment.withReadTransaction { transaction in
            guard try readHead(transaction) != nil else { return }
            let format = try transaction.value(in: metaTable, forKey: Self.formatKey)
            guard format == [Self.formatVersion] else {
                throw StateStoreError.unsupportedFormat(path: path, found: format?.first.map(Int.init), supported: Int(Self.formatVersion))
            }
        }
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
        try initialize(Genesis(entries: entries))
    }

    /// Writes a genesis block (block 0) into an empty store.
    /// - Returns: the genesis head.
    /// - Throws: as ``initializeGenesis(_:)``.
    @discardableResult
    public func initialize(_ genesis: Genesis) throws -> StoreHead {
        // Genesis computed its commitment from these very entries: no need to hash them twice.
        var entries: [(StateKey, StateValue)]? = genesis.changeSet.genesisEntries(0..<genesis.changeSet.count)
        try bulkLoad(next: { defer { entries = nil }; return entries }, hashing: false) { _ in genesis.head }
        return genesis.head
    }

    /// Streams a genesis state of any size into an empty store, chunk by chunk, in constant memory besides the
    /// chunk at hand.
    ///
    /// Each chunk is appended (`MDB_APPEND`) in its own write transaction, and the transactions are flushed
    /// to disk once at the end rather than one by one. The head is written last: a load cut off by a crash
    /// leaves a store without a head, which the next load clears and starts over.
    /// - Parameter chunks: the genesis entries in increasing key order, keys distinct, in chunks of any size.
    /// - Returns: block 0's header, the commitment and the number of entries.
    /// - Throws: ``StateStoreError/alreadyInitialized(path:head:)``, ``StateStoreError/unsortedEntries(key:)``
    ///   (no head is written then), ``LMDBError`` on storage failures.
    @discardableResult
    public func initializeGenesis<Chunks: Sequence<[(StateKey, StateValue)]>>(streaming chunks: Chunks) throws -> GenesisSummary {
        var summary: GenesisSummary?
        var iterator = chunks.makeIterator()
        try bulkLoad(next: { iterator.next() }, hashing: true) { builder in
            summary = builder.finish()
            return summary!.head
        }
        return summary!
    }

    /// Streams block 0's entries (an archive's, say) into an empty store, as
    /// ``initializeGenesis(streaming:)`` does, and checks that they give `header` before writing the head.
    /// - Parameters:
    ///   - header: block 0's header, as archived.
    ///   - next: the entries in increasing key order, chunk by chunk until nil.
    /// - Returns: the genesis head.
    /// - Throws: ``StateStoreError/genesisMismatch(expected:computed:)`` when they do not give `header`, and as
    ///   ``initializeGenesis(streaming:)``; no head is written then.
    @discardableResult
    public func initializeGenesis(expecting header: BlockHeader, chunks next: () throws -> [(StateKey, StateValue)]?) throws -> StoreHead {
        var head: StoreHead?
        try bulkLoad(next: next, hashing: true) { builder in
            let summary = builder.finish()
            guard summary.header == header else { throw StateStoreError.genesisMismatch(expected: header.hash, computed: summary.header.hash) }
            head = summary.head
            return summary.head
        }
        return head!
    }

    /// Loads a complete state whose head is `head` (a snapshot) into an empty store.
    /// - Parameters:
    ///   - entries: the state, in increasing key order, keys distinct.
    ///   - head: the head the state belongs to; its commitment must be the entries' commitment.
    /// - Throws: ``StateStoreError/alreadyInitialized(path:head:)``, ``StateStoreError/unsortedEntries(key:)``,
    ///   ``StateStoreError/commitmentMismatch(block:header:computed:)``; no head is written then.
    public func load(_ entries: [(StateKey, StateValue)], head: StoreHead) throws {
        try load(streaming: CollectionOfOne(entries), head: head)
    }

    /// Loads a complete state whose head is `head`, as ``load(streaming:head:)`` does, taking its chunks from
    /// `next` until it returns nil.
    ///
    /// The source may throw (a damaged file, say): the load stops there, and no head is written.
    /// - Throws: as ``load(_:head:)``, and what `next` throws.
    public func load(head: StoreHead, chunks next: () throws -> [(StateKey, StateValue)]?) throws {
        try bulkLoad(next: next, hashing: true) { builder in
            let commitment = builder.finish().commitment
            guard commitment == head.commitment else {
                throw StateStoreError.commitmentMismatch(block: head.block, header: head.commitment.digest, computed: commitment.digest)
            }
            return head
        }
    }

    /// Loads a complete state whose head is `head` (a snapshot), streamed in chunks as
    /// ``initializeGenesis(streaming:)`` streams a genesis.
    /// - Parameters:
    ///   - chunks: the state in increasing key order, keys distinct, in chunks of any size.
    ///   - head: the head the state belongs to; its commitment must be the entries' commitment.
    /// - Throws: as ``load(_:head:)``.
    public func load<Chunks: Sequence<[(StateKey, StateValue)]>>(streaming chunks: Chunks, head: StoreHead) throws {
        var iterator = chunks.makeIterator()
        try load(head: head) { iterator.next() }
    }

    /// Clears the state table of an empty store, appends the chunks, then writes the head that `finish` returns
    /// from everything added. Without `hashing` (the caller knows the head already) `finish` gets an empty
    /// builder.
    private func bulkLoad(
        next: () throws -> [(StateKey, StateValue)]?, hashing: Bool, finish: (GenesisBuilder) throws -> StoreHead
    ) throws {
        try environment.withWriteTransaction { transaction in
            if let existing = try readHead(transaction) {
                throw StateStoreError.alreadyInitialized(path: path, head: existing.block)
            }
            // What an interrupted load left behind.
            try transaction.clear(stateTable)
        }
        var builder = GenesisBuilder()
        try environment.withoutFlushingEachCommit {
            while let chunk = try next() {
                if hashing {
                    do throws(GenesisError) { try builder.add(chunk) } catch {
                        switch error { case .unsortedKeys(let key, _): throw StateStoreError.unsortedEntries(key: key) }
                    }
                }
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

    /// Commits one block, or a merged range of blocks: applies the change set and records the last block as
    /// the head, atomically.
    ///
    /// Every change's previous value is checked against the store, so a change set computed over another
    /// state is refused instead of corrupting this one.
    /// - Parameters:
    ///   - header: the (last) block's header; its commitment must be the one `changeSet` produces. For a
    ///     single block its number must be the head's plus one and its parent hash the head's hash.
    ///   - changeSet: the changes (of the whole range, merged).
    ///   - firstBlock: for a merged range, its first block (the head's plus one); nil for a single block.
    ///   - knownCommitment: the commitment after the change set when the caller has already computed it (block by
    ///     block, as replay does), which saves hashing every changed key a second time; it must still match
    ///     the header.
    /// - Returns: the new head.
    /// - Throws: ``StateStoreError`` for an out-of-order block, a broken hash chain, a stale change or a
    ///   commitment mismatch; ``LMDBError`` on storage failures. Nothing is written when it throws.
    @discardableResult
    public func commit(
        _ header: BlockHeader, changeSet: ChangeSet, firstBlock: UInt64? = nil, commitment knownCommitment: StateCommitment? = nil
    ) throws -> StoreHead {
        try environment.withWriteTransaction { transaction in
            guard let current = try readHead(transaction) else { throw StateStoreError.notInitialized(path: path) }
            let first = firstBlock ?? header.number
            guard first == current.block + 1, header.number >= first else {
                throw StateStoreError.unexpectedBlock(expected: current.block + 1, got: first)
            }
            if firstBlock == nil, header.parentHash != current.blockHash {
                throw StateStoreError.parentMismatch(block: header.number, expected: current.blockHash, found: header.parentHash)
            }
            let commitment: StateCommitment
            if let knownCommitment {
                commitment = knownCommitment
            } else {
                var computed = current.commitment
                computed.apply(changeSet)
                commitment = computed
            }
            guard commitment.digest == header.stateCommitment else {
                throw StateStoreError.commitmentMismatch(
                    block: header.number, header: header.stateCommitment, computed: commitment.digest)
            }
            try apply(changeSet.changes, block: header.number, in: transaction)
            try writeHistory(of: header.number, firstBlock: first, parentHash: current.blockHash, changeSet: changeSet, in: transaction)
            let head = StoreHead(block: header.number, blockHash: header.hash, commitment: commitment)
            try writeHead(head, in: transaction)
            return head
        }
    }

    /// Commits consecutive blocks in one write transaction, with one sync: each block's changes in turn (each
    /// checked against the values the blocks before it left), each block's own history entry (so that
    /// ``unwind(to:)`` can still stop at any of them), and the last block as the head. This is how a pipeline
    /// commits a batch of blocks that its archive already holds: a page that several of them change is
    /// written to disk once.
    /// - Parameters:
    ///   - blocks: each block's header and change set, in order; the first must follow the head, and each
    ///     name the previous one as its parent.
    ///   - commitment: the commitment after the last block, as the executor computed it; it must match the
    ///     last header. (Only the last block's commitment is checked: the blocks before it were checked by
    ///     the executor that produced them.)
    /// - Returns: the new head.
    /// - Throws: as ``commit(_:changeSet:firstBlock:commitment:)``. Nothing is written when it throws.
    @discardableResult
    public func commit(
        blocks: [(header: BlockHeader, changeSet: ChangeSet)], commitment: StateCommitment
    ) throws -> StoreHead {
        precondition(!blocks.isEmpty, "a commit of no blocks")
        let last = blocks[blocks.count - 1].header
        return try environment.withWriteTransaction { transaction in
            guard let current = try readHead(transaction) else { throw StateStoreError.notInitialized(path: path) }
            var parent = current
            for (header, _) in blocks {
                guard header.number == parent.block + 1 else { throw StateStoreError.unexpectedBlock(expected: parent.block + 1, got: header.number) }
                guard header.parentHash == parent.blockHash else {
                    throw StateStoreError.parentMismatch(block: header.number, expected: parent.blockHash, found: header.parentHash)
                }
                parent = StoreHead(block: header.number, blockHash: header.hash, commitment: commitment)
            }
            guard commitment.digest == last.stateCommitment else {
                throw StateStoreError.commitmentMismatch(block: last.number, header: last.stateCommitment, computed: commitment.digest)
            }
            var parentHash = current.blockHash
            for (header, changeSet) in blocks {
                try apply(changeSet.changes, block: header.number, in: transaction)
                try writeHistory(of: header.number, firstBlock: header.number, parentHash: parentHash, changeSet: changeSet, in: transaction)
                parentHash = header.hash
            }
            let head = StoreHead(block: last.number, blockHash: last.hash, commitment: commitment)
            try writeHead(head, in: transaction)
            return head
        }
    }

    /// Records what a commit changed, for ``unwind(to:)`` (nothing when the store keeps no history).
    private func writeHistory(
        of block: UInt64, firstBlock: UInt64, parentHash: Hash32, changeSet: ChangeSet, in transaction: LMDBWriteTransaction
    ) throws {
        guard keepsHistory else { return }
        var writer = ByteWriter(capacity: 64 + changeSet.count * 96)
        writer.write(Self.historyFormatVersion)
        writer.write(firstBlock)
        writer.write(parentHash)
        changeSet.encode(to: &writer)
        try transaction.put(in: historyTable, key: Self.blockKey(block), value: writer.bytes)
    }

    /// Rolls the state back to right after block `block`, undoing recorded commits from the head down.
    /// - Returns: the new head.
    /// - Throws: ``StateStoreError/historyUnavailable(block:reason:)`` when a commit between `block` and the
    ///   head has no history, or `block` lies inside a merged range; `StateStoreError/staleChange` when the
    ///   state does not hold what the history says it should. Each undone commit is its own transaction, so
    ///   an interrupted unwind leaves a consistent, earlier head.
    @discardableResult
    public func unwind(to block: UInt64) throws -> StoreHead {
        guard var head = try head() else { throw StateStoreError.notInitialized(path: path) }
        let unwoundFrom = max(head.block, try unwindRecord()?.from ?? 0)
        while head.block > block {
            head = try environment.withWriteTransaction { transaction in
                guard let current = try readHead(transaction) else { throw StateStoreError.notInitialized(path: path) }
                guard let bytes = try transaction.value(in: historyTable, forKey: Self.blockKey(current.block)) else {
                    throw StateStoreError.historyUnavailable(block: current.block, reason: "no history recorded for it")
                }
                let (first, parentHash, changeSet) = try decodeHistory(bytes, block: current.block)
                guard first > block else {
                    throw StateStoreError.historyUnavailable(
                        block: block, reason: "blocks \(first)...\(current.block) were committed as one merged range")
                }
                let inverse = changeSet.changes.map { StateChange(key: $0.key, oldValue: $0.newValue, newValue: $0.oldValue) }
                var commitment = current.commitment
                commitment.apply(changes: inverse)
                try apply(inverse, block: current.block, in: transaction)
                try transaction.delete(in: historyTable, key: Self.blockKey(current.block))
                let previous = StoreHead(block: first - 1, blockHash: parentHash, commitment: commitment)
                try writeHead(previous, in: transaction)
                var record = ByteWriter(capacity: 16)
                record.write(unwoundFrom)
                record.write(previous.block)
                try transaction.put(in: metaTable, key: Self.unwoundKey, value: record.bytes)
                return previous
            }
        }
        return head
    }

    /// The last ``unwind(to:)``: the head it started from (the highest, over several unwinds) and the block it
    /// went back to, or nil when the store was never unwound (or the record was cleared). An archive beside
    /// the store still holds the undone blocks: whoever brings a store up to its archive must not re-apply
    /// them without being asked.
    /// - Throws: ``LMDBError``, ``StateStoreError/corrupt(path:what:reason:)``.
    public func unwindRecord() throws -> (from: UInt64, to: UInt64)? {
        try environment.withReadTransaction { transaction in
            guard let bytes = try transaction.value(in: metaTable, forKey: Self.unwoundKey) else { return nil }
            do throws(CodecError) {
                var reader = ByteReader(bytes)
                return (try reader.readUInt64("unwound from"), try reader.readUInt64("unwound to"))
            } catch {
                throw StateStoreError.corrupt(path: path, what: "unwind record", reason: error)
            }
        }
    }

    /// Forgets the unwind record, once the blocks it undid are gone from the archive too.
    /// - Throws: ``LMDBError``.
    public func clearUnwindRecord() throws {
        try environment.withWriteTransaction { transaction in _ = try transaction.delete(in: metaTable, key: Self.unwoundKey) }
    }

    /// Writes changes after checking every previous value.
    private func apply(_ changes: [StateChange], block: UInt64, in transaction: LMDBWriteTransaction) throws {
        for change in changes {
            // One encoding of the key serves the check of the stored value and the write.
            try change.key.withEncodedBytes { key in
                let stored = try transaction.withValue(in: stateTable, forKey: key) { bytes in
                    try bytes.map { try decodeStored($0, key: change.key) }
                }
                guard stored == change.oldValue else {
                    throw StateStoreError.staleChange(block: block, key: change.key, expected: change.oldValue, found: stored)
                }
                if let newValue = change.newValue {
                    try newValue.withEncodedBytes { value in try transaction.put(in: stateTable, key: key, value: value) }
                } else {
                    try transaction.delete(in: stateTable, key: key)
                }
            }
        }
    }

    private static let historyFormatVersion: UInt8 = 1

    private static func blockKey(_ block: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: 8)
        writer.write(block)
        return writer.bytes
    }

    private func decodeHistory(_ bytes: [UInt8], block: UInt64) throws -> (UInt64, Hash32, ChangeSet) {
        do throws(CodecError) {
            var reader = ByteReader(bytes)
            let version = try reader.readUInt8("history version")
            guard version == Self.historyFormatVersion else { throw CodecError.unsupportedVersion(what: "history", version: version) }
            let first = try reader.readUInt64("first block")
            let parent = try reader.readHash("parent hash")
            let changeSet = try ChangeSet.decode(from: &reader)
            try reader.expectEnd(of: "history entry")
            return (first, parent, changeSet)
        } catch {
            throw StateStoreError.corrupt(path: path, what: "history of block \(block)", reason: error)
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

    /// The number of keys in `snapshot`.
    /// - Throws: ``LMDBError``.
    public func keyCount(in snapshot: StateSnapshot) throws -> Int {
        try snapshot.readers.withTransaction { try $0.count(of: stateTable) }
    }

    /// Calls `body` with every (key, value) pair in key order.
    /// - Throws: ``StateStoreError/corrupt(path:what:reason:)`` for undecodable entries, ``LMDBError``.
    public func forEachEntry(_ body: (StateKey, StateValue) throws -> Void) throws {
        try environment.withReadTransaction { try forEachEntry(in: $0, body) }
    }

    /// Calls `body` with every (key, value) pair of `snapshot`, in key order.
    /// - Throws: as ``forEachEntry(_:)``.
    public func forEachEntry(in snapshot: StateSnapshot, _ body: (StateKey, StateValue) throws -> Void) throws {
        try snapshot.readers.withTransaction { try forEachEntry(in: $0, body) }
    }

    private func forEachEntry(in transaction: LMDBReadTransaction, _ body: (StateKey, StateValue) throws -> Void) throws {
        try transaction.forEach(in: stateTable) { keyBytes, valueBytes in
            let key: StateKey
            do throws(CodecError) { key = try StateKey(encoded: Array(keyBytes)) } catch {
                throw StateStoreError.corrupt(path: path, what: "state key", reason: error)
            }
            let value = try decodeStored(valueBytes, key: key)
            try body(key, value)
            return true
        }
    }

    /// What ``verify(progress:)`` checked.
    public struct Verification: Sendable, Encodable {
        /// The head block whose commitment was checked.
        public var headBlock: UInt64 = 0
        /// The state's keys, and the bytes of their keys and values.
        public var keys = 0
        public var bytes = 0
        /// History entries that decoded.
        public var historyEntries = 0
        /// The recomputed (and matching) commitment's digest.
        public var stateCommitment = ""
        public var seconds = 0.0
    }

    /// Recomputes the commitment from every stored pair and compares it with the head's, and checks that
    /// every history entry decodes, all in one consistent read. Read-only.
    /// - Parameter progress: called every 65,536 keys with what was checked so far.
    /// - Throws: ``StateStoreError/commitmentMismatch(block:header:computed:)`` when the state does not add up
    ///   to the head's commitment, ``StateStoreError/corrupt(path:what:reason:)`` for undecodable entries,
    ///   ``StateStoreError/notInitialized(path:)`` for an empty store.
    public func verify(progress: (Verification) -> Void = { _ in }) throws -> Verification {
        let clock = DispatchTime.now().uptimeNanoseconds
        var report = Verification()
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9 }
        return try environment.withReadTransaction { transaction in
            guard let head = try readHead(transaction) else { throw StateStoreError.notInitialized(path: path) }
            report.headBlock = head.block
            let commitment = try recompute(in: transaction) { keys, bytes in
                report.keys = keys
                report.bytes = bytes
                report.seconds = elapsed()
                progress(report)
            }
            guard commitment == head.commitment else {
                throw StateStoreError.commitmentMismatch(block: head.block, header: head.commitment.digest, computed: commitment.digest)
            }
            try transaction.forEach(in: historyTable) { key, value in
                let block = key.count == 8 ? key.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } : 0
                _ = try decodeHistory(Array(value), block: block)
                report.historyEntries += 1
                return true
            }
            report.stateCommitment = commitment.digest.hex
            report.seconds = elapsed()
            return report
        }
    }

    /// The commitment recomputed from every stored pair: checks the incremental one.
    /// - Throws: as ``forEachEntry(_:)``.
    public func recomputeCommitment() throws -> StateCommitment {
        try environment.withReadTransaction { try recompute(in: $0) { _, _ in } }
    }

    /// Hashes every stored pair into a commitment, 65,536 pairs at a time (on every core, with bounded
    /// memory whatever the state's size), reporting the keys and bytes done after each batch.
    private func recompute(in transaction: LMDBReadTransaction, progress: (_ keys: Int, _ bytes: Int) -> Void) throws -> StateCommitment {
        var commitment = StateCommitment.empty
        var batch: [StateChange] = []
        batch.reserveCapacity(1 << 16)
        var keys = 0
        var bytes = 0
        try transaction.forEach(in: stateTable) { keyBytes, valueBytes in
            let key: StateKey
            do throws(CodecError) { key = try StateKey(encoded: Array(keyBytes)) } catch {
                throw StateStoreError.corrupt(path: path, what: "state key", reason: error)
            }
            let value = try decodeStored(valueBytes, key: key)
            batch.append(StateChange(key: key, oldValue: nil, newValue: value))
            keys += 1
            bytes += keyBytes.count + valueBytes.count
            if batch.count == 1 << 16 {
                commitment.apply(changes: batch)
                batch.removeAll(keepingCapacity: true)
                progress(keys, bytes)
            }
            return true
        }
        commitment.apply(changes: batch)
        progress(keys, bytes)
        return commitment
    }

    func value(for key: StateKey, in transaction: some LMDBReading) throws -> StateValue? {
        try key.withEncodedBytes { keyBytes in
            try transaction.withValue(in: stateTable, forKey: keyBytes) { stored in try stored.map { try decodeStored($0, key: key) } }
        }
    }

    /// Decodes the value stored under `key`, read in place from the memory map.
    private func decodeStored(_ bytes: UnsafeRawBufferPointer, key: StateKey) throws -> StateValue {
        do throws(CodecError) { return try StateValue(encodedBytes: bytes) } catch {
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
