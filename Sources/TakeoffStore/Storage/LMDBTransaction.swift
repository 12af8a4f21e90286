import CLMDB
import TakeoffCore

/// Reads shared by read and write transactions.
package protocol LMDBReading {
    /// The LMDB transaction handle.
    var handle: OpaquePointer { get }
}

extension LMDBReading {
    /// Calls `body` with the bytes stored under `key` in `table`, or with `nil` when there are none.
    ///
    /// The buffer points into the memory map and is valid only during `body`.
    /// - Throws: ``LMDBError`` for any failure other than a missing key, or what `body` throws.
    package func withValue<Result, Failure: Error>(
        in table: LMDBTable, forKey key: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer?) throws(Failure) -> Result
    ) throws -> Result {
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var data = MDB_val()
        let result = mdb_get(handle, table.handle, &keyValue, &data)
        if result == MDB_NOTFOUND { return try body(nil) }
        try lmdbCheck(result, "mdb_get(\(table.name))")
        return try body(UnsafeRawBufferPointer(start: data.mv_data, count: data.mv_size))
    }

    /// The bytes stored under `key` in `table`, or `nil`.
    /// - Throws: ``LMDBError`` for any failure other than a missing key.
    package func value(in table: LMDBTable, forKey key: [UInt8]) throws -> [UInt8]? {
        try key.withUnsafeBytes { keyBytes in
            try withValue(in: table, forKey: keyBytes) { $0.map { Array($0) } }
        }
    }

    /// The number of entries in `table`.
    /// - Throws: ``LMDBError`` when LMDB cannot read the table's statistics.
    package func count(of table: LMDBTable) throws(LMDBError) -> Int {
        var stat = MDB_stat()
        try lmdbCheck(mdb_stat(handle, table.handle, &stat), "mdb_stat(\(table.name))")
        return stat.ms_entries
    }

    /// Calls `body` with every (key, value) in `table` in key order, starting at the first key not less than
    /// `start` (the first key when `start` is nil), until `body` returns false.
    /// - Throws: ``LMDBError`` from the cursor, or what `body` throws.
    package func forEach(
        in table: LMDBTable, from start: [UInt8]? = nil,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        var cursor: OpaquePointer?
        try lmdbCheck(mdb_cursor_open(handle, table.handle, &cursor), "mdb_cursor_open(\(table.name))")
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val()
        var data = MDB_val()
        var startBytes = start ?? []
        var result: Int32 = startBytes.withUnsafeMutableBytes { startBuffer in
            if start == nil { return mdb_cursor_get(cursor, &key, &data, MDB_FIRST) }
            key = MDB_val(mv_size: startBuffer.count, mv_data: startBuffer.baseAddress)
            return mdb_cursor_get(cursor, &key, &data, MDB_SET_RANGE)
        }
        while result == 0 {
            let keyBytes = UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size)
            let valueBytes = UnsafeRawBufferPointer(start: data.mv_data, count: data.mv_size)
            guard try body(keyBytes, valueBytes) else { return }
            result = mdb_cursor_get(cursor, &key, &data, MDB_NEXT)
        }
        if result != MDB_NOTFOUND { try lmdbCheck(result, "mdb_cursor_get(\(table.name))") }
    }
}

/// A read-only transaction, valid only inside the closure that received it: a consistent snapshot of the environment. See
/// ``LMDBEnvironment/withReadTransaction(_:)``.
package struct LMDBReadTransaction: LMDBReading {
    package let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }

    func end() { mdb_txn_abort(handle) }
}

/// A write transaction, valid only inside the closure that received it. See ``LMDBEnvironment/withWriteTransaction(_:)``.
package struct LMDBWriteTransaction: LMDBReading {
    package let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }

    /// Stores `value` under `key` in `table`, replacing what was there.
    /// - Parameter append: `MDB_APPEND`: the caller promises `key` sorts after every key in the table,
    ///   which makes bulk loads of sorted keys much faster.
    /// - Throws: ``LMDBError``, including `MDB_MAP_FULL` (handled by the enclosing transaction call).
    package func put(
        in table: LMDBTable, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, append: Bool = false
    ) throws(LMDBError) {
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var data = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try lmdbCheck(mdb_put(handle, table.handle, &keyValue, &data, append ? UInt32(MDB_APPEND) : 0), "mdb_put(\(table.name))")
    }

    /// Stores `value` under `key` in `table`.
    /// - Throws: ``LMDBError``.
    package func put(in table: LMDBTable, key: [UInt8], value: [UInt8], append: Bool = false) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { valueBytes in
                try put(in: table, key: keyBytes, value: valueBytes, append: append)
            }
        }
    }

    /// Removes `key` from `table`; a missing key is not an error.
    /// - Returns: whether the key was there.
    /// - Throws: ``LMDBError``.
    @discardableResult
    package func delete(in table: LMDBTable, key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let result = mdb_del(handle, table.handle, &keyValue, nil)
        if result == MDB_NOTFOUND { return false }
        try lmdbCheck(result, "mdb_del(\(table.name))")
        return true
    }

    /// Removes `key` from `table`.
    /// - Returns: whether the key was there.
    /// - Throws: ``LMDBError``.
    @discardableResult
    package func delete(in table: LMDBTable, key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { keyBytes in try delete(in: table, key: keyBytes) }
    }

    /// Removes every entry of `table`.
    /// - Throws: ``LMDBError``.
    package func clear(_ table: LMDBTable) throws(LMDBError) {
        try lmdbCheck(mdb_drop(handle, table.handle, 0), "mdb_drop(\(table.name))")
    }

    /// Commits and returns LMDB's result code. LMDB frees the handle whatever the result, so the transaction
    /// is spent either way.
    func commit() -> Int32 { mdb_txn_commit(handle) }

    func abort() { mdb_txn_abort(handle) }
}
