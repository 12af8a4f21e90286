import CLMDB
import Foundation
import Synchronization
import TakeoffCore
import TakeoffIO

/// A named table (an LMDB database) in an ``LMDBEnvironment``.
package struct LMDBTable: Hashable, Sendable {
    /// The table's name.
    package let name: String
    let handle: MDB_dbi
}

/// An open LMDB environment: one directory holding named tables.
///
/// Opened with `MDB_NOTLS`, so a read transaction is not tied to the thread that began it and many can be
/// open on one thread. Write transactions are begun and committed inside one closure call, so on one
/// thread, as LMDB requires. When a write fills the map, the environment doubles it and runs the closure
/// again: callers never see `MDB_MAP_FULL`.
///
/// With `writeMap`, LMDB writes pages straight into its memory map (`MDB_WRITEMAP`) instead of copying each
/// dirty page with `write(2)`, which on a large state is most of a commit's cost. A write through a map into
/// a file whose blocks the file system cannot supply kills the process (`SIGBUS`), so the environment
/// allocates the whole map's extent in the file (`posix_fallocate`) whenever the map is opened or grown: a
/// full disk is then an `ENOSPC` error from the growth, before any page is written there.
package final class LMDBEnvironment: @unchecked Sendable {
    // @unchecked: the LMDB environment handle is safe to share between threads; the one operation that is
    // not (resizing the map) is serialized against every open read transaction by `mapLock`.
    let handle: OpaquePointer
    /// The directory the environment lives in.
    package let path: String
    private let mapLock = ReadersWriterLock()
    private let currentMapSize: Atomic<Int>
    private let tablesByName: Mutex<[String: LMDBTable]> = Mutex([:])
    /// Whether the environment was opened read-only (`MDB_RDONLY`): no write transaction, no table created.
    package let isReadOnly: Bool
    /// Whether commits are flushed to disk (the environment was opened without `MDB_NOSYNC`).
    package let syncsOnCommit: Bool
    /// Whether pages are written through the memory map (`MDB_WRITEMAP`), with the map's extent allocated.
    package let writesThroughMap: Bool

    /// Opens (creating the data files if needed) the environment in `path`, which must exist.
    /// - Parameters:
    ///   - path: an existing, writable directory.
    ///   - mapSize: the initial map size in bytes; it doubles whenever a write fills it.
    ///   - maxTables: how many named tables the environment may hold.
    ///   - syncOnCommit: when false (`MDB_NOSYNC`), commits are not flushed to disk, for benchmarks and
    ///     scratch stores; a crash may then lose recent commits (never corrupt older ones).
    ///   - readOnly: open with `MDB_RDONLY`: the data file must exist, and nothing is written.
    ///   - writeMap: write pages through the memory map (`MDB_WRITEMAP`); ignored when `readOnly`. The data
    ///     file then occupies the whole map on disk, so the map grows in smaller steps past 1 GiB.
    /// - Throws: ``LMDBError`` naming the path, e.g. `ENOENT` for a missing directory, `EACCES` for a
    ///   read-only one, `ENOSPC` when `writeMap` and the disk cannot hold the map.
    package init(
        path: String, mapSize: Int = 64 << 20, maxTables: UInt32 = 16, syncOnCommit: Bool = true, readOnly: Bool = false,
        writeMap: Bool = false
    ) throws(LMDBError) {
        var environment: OpaquePointer?
        try lmdbCheck(mdb_env_create(&environment), "mdb_env_create")
        guard let environment else { throw LMDBError(code: ENOMEM, operation: "mdb_env_create") }
        do {
            try lmdbCheck(mdb_env_set_maxdbs(environment, maxTables), "mdb_env_set_maxdbs")
            try lmdbCheck(mdb_env_set_mapsize(environment, mapSize), "mdb_env_set_mapsize")
            var flags = UInt32(MDB_NOTLS)
            if !syncOnCommit { flags |= UInt32(MDB_NOSYNC) }
            if readOnly { flags |= UInt32(MDB_RDONLY) }
            if writeMap && !readOnly { flags |= UInt32(MDB_WRITEMAP) }
            try lmdbCheck(mdb_env_open(environment, path, flags, 0o644), "mdb_env_open(\(path))")
            if writeMap && !readOnly { try Self.allocateMap(of: environment, path: path) }
        } catch {
            mdb_env_close(environment)
            throw error
        }
        var info = MDB_envinfo()
        mdb_env_info(environment, &info)
        handle = environment
        self.path = path
        isReadOnly = readOnly
        syncsOnCommit = syncOnCommit
        writesThroughMap = writeMap && !readOnly
        currentMapSize = Atomic(max(mapSize, info.me_mapsize))
    }

    deinit { mdb_env_close(handle) }

    /// The current map size in bytes.
    package var mapSize: Int { currentMapSize.load(ordering: .relaxed) }

    /// Opens (creating it if needed, unless read-only) the table `name`.
    /// - Throws: ``LMDBError`` when LMDB refuses (too many tables, say), `MDB_NOTFOUND` for a table that a
    ///   read-only environment does not have.
    package func table(_ name: String) throws -> LMDBTable {
        if let table = tablesByName.withLock({ $0[name] }) { return table }
        let table = isReadOnly
            ? try openTableReadOnly(name)
            : try withWriteTransaction { transaction in
            var handle: MDB_dbi = 0
            try lmdbCheck(mdb_dbi_open(transaction.handle, name, UInt32(MDB_CREATE), &handle), "mdb_dbi_open(\(name))")
            return LMDBTable(name: name, handle: handle)
        }
        tablesByName.withLock { $0[name] = table }
        return table
    }

    /// Opens an existing table in a read-only environment. The read transaction is committed, not aborted:
    /// aborting it would close the handle again.
    private func openTableReadOnly(_ name: String) throws(LMDBError) -> LMDBTable {
        mapLock.lockShared()
        defer { mapLock.unlock() }
        var transaction: OpaquePointer?
        try lmdbCheck(mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &transaction), "mdb_txn_begin(\(path), read-only)")
        var table: MDB_dbi = 0
        let code = mdb_dbi_open(transaction, name, 0, &table)
        guard code == 0 else {
            mdb_txn_abort(transaction)
            throw LMDBError(code: code, operation: "mdb_dbi_open(\(name))")
        }
        try lmdbCheck(mdb_txn_commit(transaction), "mdb_txn_commit(\(path), read-only)")
        return LMDBTable(name: name, handle: table)
    }

    /// Runs `body` in a read transaction over the latest committed state, then ends it.
    ///
    /// Do not begin a write transaction inside `body`: growing the map waits for open read transactions.
    /// - Throws: ``LMDBError`` from beginning the transaction, or whatever `body` throws.
    package func withReadTransaction<Result>(
        _ body: (LMDBReadTransaction) throws -> Result
    ) throws -> Result {
        while true {
            mapLock.lockShared()
            var transactionHandle: OpaquePointer?
            let beginCode = mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &transactionHandle)
            if beginCode != 0 {
                mapLock.unlock()
                if beginCode == LMDBError.mapResizedCode {
                    try adoptGrownMap()
                    continue
                }
                throw LMDBError(code: beginCode, operation: "mdb_txn_begin(\(path), read-only)")
            }
            let transaction = LMDBReadTransaction(handle: transactionHandle!)
            defer {
                transaction.end()
                mapLock.unlock()
            }
            return try body(transaction)
        }
    }

    /// Runs `body` in a write transaction and commits it when `body` returns; aborts it when `body` throws.
    ///
    /// When the map fills up (`MDB_MAP_FULL`, from a put or from the commit) the transaction is aborted, the
    /// map doubled and `body` run again from the start, so `body` must not have effects outside the
    /// transaction that a second run would repeat.
    /// - Throws: the first error: ``LMDBError`` from LMDB, or whatever `body` throws.
    package func withWriteTransaction<Result>(
        _ body: (LMDBWriteTransaction) throws -> Result
    ) throws -> Result {
        while true {
            var transactionHandle: OpaquePointer?
            let beginCode = mdb_txn_begin(handle, nil, 0, &transactionHandle)
            if beginCode == LMDBError.mapResizedCode {
                try adoptGrownMap()
                continue
            }
            try lmdbCheck(beginCode, "mdb_txn_begin(\(path))")
            let transaction = LMDBWriteTransaction(handle: transactionHandle!)
            let outcome: Swift.Result<Result, any Error>
            do {
                outcome = .success(try body(transaction))
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .failure(let error):
                transaction.abort()
                if let lmdbError = error as? LMDBError, lmdbError.isMapFull {
                    try growMap()
                    continue
                }
                throw error
            case .success(let value):
                let code = transaction.commit()
                if code == LMDBError.mapFullCode {
                    try growMap()
                    continue
                }
                if code != 0 { throw LMDBError.failedWrite(code: code, operation: "mdb_txn_commit(\(path))", path: path) }
                return value
            }
        }
    }

    /// Grows the map: doubles it, or, when pages are written through the map and it is past 1 GiB, adds a
    /// quarter, so that the file's allocated extent stays within 25% of what the data needs. Waits until no
    /// read transaction of this process is open, as LMDB requires. When the disk cannot hold the grown map,
    /// the map goes back to its old size and the error is `ENOSPC`.
    private func growMap() throws(LMDBError) {
        mapLock.lockExclusive()
        defer { mapLock.unlock() }
        let oldSize = currentMapSize.load(ordering: .relaxed)
        let newSize = oldSize + (writesThroughMap && oldSize >= 1 << 30 ? oldSize / 4 : oldSize)
        try lmdbCheck(mdb_env_set_mapsize(handle, newSize), "mdb_env_set_mapsize(\(newSize))")
        if writesThroughMap {
            do {
                try Self.allocateMap(of: handle, path: path)
            } catch {
                _ = mdb_env_set_mapsize(handle, oldSize)
                throw error
            }
        }
        currentMapSize.store(newSize, ordering: .relaxed)
    }

    /// Allocates the data file's blocks for the whole map, which `MDB_WRITEMAP` has only extended (sparsely)
    /// to the map's size: a page written later into an unallocated block of a full disk would raise `SIGBUS`.
    private static func allocateMap(of environment: OpaquePointer, path: String) throws(LMDBError) {
        var info = MDB_envinfo()
        mdb_env_info(environment, &info)
        var descriptor: mdb_filehandle_t = -1
        try lmdbCheck(mdb_env_get_fd(environment, &descriptor), "mdb_env_get_fd(\(path))")
        let code = posix_fallocate(descriptor, 0, off_t(info.me_mapsize))
        if code != 0 {
            throw LMDBError.failedWrite(
                code: code, operation: "posix_fallocate(\(path)/data.mdb, \(info.me_mapsize) bytes)", path: path)
        }
    }

    /// Adopts a map size grown by another process (`MDB_MAP_RESIZED`).
    func adoptGrownMap() throws(LMDBError) {
        mapLock.lockExclusive()
        defer { mapLock.unlock() }
        try lmdbCheck(mdb_env_set_mapsize(handle, 0), "mdb_env_set_mapsize(0)")
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        currentMapSize.store(info.me_mapsize, ordering: .relaxed)
    }

    /// Flushes committed data to disk (needed only when opened with `syncOnCommit: false`).
    /// - Throws: ``LMDBError`` when the flush fails.
    package func sync() throws(LMDBError) {
        try lmdbCheck(mdb_env_sync(handle, 1), "mdb_env_sync(\(path))")
    }

    /// Runs a bulk load whose commits are not flushed one by one (`MDB_NOSYNC` while `body` runs), then flushes
    /// them all at once. Whatever `body` commits is durable only when this returns; the caller must write
    /// the record that makes the load count (a store's head) after it.
    package func withoutFlushingEachCommit<Result>(_ body: () throws -> Result) throws -> Result {
        guard syncsOnCommit else { return try body() }
        try lmdbCheck(mdb_env_set_flags(handle, UInt32(MDB_NOSYNC), 1), "mdb_env_set_flags(MDB_NOSYNC)")
        let result: Result
        do {
            defer { mdb_env_set_flags(handle, UInt32(MDB_NOSYNC), 0) }
            result = try body()
        }
        try sync()
        return result
    }
}
