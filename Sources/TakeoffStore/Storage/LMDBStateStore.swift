import Dispatch
import Foundation
import TakeoffCore
import TakeoffIO
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
public final class LMDBStateStore: StateStore {
    /// The LMDB environment underneath.
    package let environment: LMDBEnvironment
    let stateTable: LMDBTable
    let metaTable: LMDBTable
    let historyTable: LMDBTable
    /// Whether commits record their previous values for ``unwind(to:)``.
    public let keepsHistory: Bool
    /// Whether the store was opened read-only.
    public var isReadOnly: Bool { environment.isReadOnly }
    let writerLock: WriterLock?

    static let headKey = Array("head".utf8)
    static let headHashKey = Array("headHash".utf8)
    static let commitmentKey = Array("commitment".utf8)
    static let unwoundKey = Array("unwound".utf8)
    static let formatKey = Array("format".utf8)
    /// The store's format: tables, encodings and state commitment (2: the 80-lane commitment). A store of
    /// another format is refused.
    public static let formatVersion: UInt8 = 2

    /// Opens the store in `directory`, an existing directory (a new store's files are created in it when it
    /// has none, unless `readOnly`).
    /// - Parameters:
    ///   - directory: where the LMDB files live.
    ///   - syncOnCommit: flush every commit to disk (the default); off for scratch stores and benchmarks.
    ///   - initialMapSize: the starting map size; it doubles when full (with `writesThroughMap`, past 1 GiB it
    ///     grows by a quarter).
    ///   - keepHistory: record each commit's previous values so that it can be unwound.
    ///   - readOnly: open an existing store for reading only: no lock, nothing created or written.
    ///   - writesThroughMap: write pages straight into LMDB's memory map (`MDB_WRITEMAP`) instead of copying
    ///     each dirty page with `write(2)`; the map's extent is then allocated in the data file as it grows, so
    ///     the file's size on disk is the map's size. Faster for commits that write many pages while nothing
    ///     else runs (apply-mode replay: 15% here); slower where other threads execute blocks meanwhile, because
    ///     flushing a written map write-protects each of its pages again, and every page costs a TLB shootdown
    ///     that interrupts those threads (`run` and execute-mode replay: 10–40% slower with it). Off by default.
    /// - Throws: ``StateStoreError/notFound(path:)`` when `readOnly` and `directory` holds no store;
    ///   ``StateStoreError/locked(_:)`` when another writer has the store; ``LMDBError`` naming the directory
    ///   when it is missing, unreadable or not writable.
    public init(
        directory: String, syncOnCommit: Bool = true, initialMapSize: Int = 8 << 20, keepHistory: Bool = true,
        readOnly: Bool = false, writesThroughMap: Bool = false
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
            path: directory, mapSize: initialMapSize, syncOnCommit: syncOnCommit, readOnly: readOnly, writeMap: writesThroughMap)
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
    func checkFormat() throws {
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
    /// The directory of the store, for messages.
    public var location: String { environment.path }

    /// The head block, its hash and the commitment, or `nil` before genesis.
    public func head() throws -> StoreHead? {
        try environment.withReadTransaction { try readHead($0) }
    }

    func value(for key: StateKey, in transaction: some LMDBReading) throws -> StateValue? {
        try key.withEncodedBytes { keyBytes in
            try transaction.withValue(in: stateTable, forKey: keyBytes) { stored in try stored.map { try decodeStored($0, key: key) } }
        }
    }

    /// Decodes the value stored under `key`, read in place from the memory map.
    func decodeStored(_ bytes: UnsafeRawBufferPointer, key: StateKey) throws -> StateValue {
        do throws(CodecError) { return try StateValue(encodedBytes: bytes) } catch {
            throw StateStoreError.corrupt(path: path, what: "value of \(key)", reason: error)
        }
    }

    func readHead(_ transaction: some LMDBReading) throws -> StoreHead? {
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

    func writeHead(_ head: StoreHead, in transaction: LMDBWriteTransaction) throws {
        var writer = ByteWriter(capacity: 8)
        writer.write(head.block)
        try transaction.put(in: metaTable, key: Self.headKey, value: writer.bytes)
        try transaction.put(in: metaTable, key: Self.headHashKey, value: head.blockHash.bytes)
        try transaction.put(in: metaTable, key: Self.commitmentKey, value: head.commitment.encoded)
    }
}
