import CLMDB
import Foundation
import TakeoffCore

/// Read transactions over one committed state, lent to one thread at a time.
///
/// LMDB lets a read transaction be used by one thread at a time only; parallel workers each borrow one.
/// Every transaction is checked to see the same committed state (LMDB transaction id) as the first, so
/// the pool is one consistent snapshot.
final class ReadTransactionPool: @unchecked Sendable {
    // @unchecked: the handles are owned by the pool and handed to one borrower at a time under `free`.
    private let environment: LMDBEnvironment
    private let snapshotID: Int
    private let lock = NSLock()
    private var free: [OpaquePointer]
    private var extra: [OpaquePointer] = []

    /// Creates a pool whose first transaction is `primary` (still owned by its caller).
    init(environment: LMDBEnvironment, primary: LMDBReadTransaction) {
        self.environment = environment
        snapshotID = mdb_txn_id(primary.handle)
        free = [primary.handle]
    }

    /// Runs `body` with a transaction no other thread is using.
    /// - Throws: ``LMDBError`` when a new transaction cannot begin or sees another state; what `body` throws.
    func withTransaction<Result>(_ body: (LMDBReadTransaction) throws -> Result) throws -> Result {
        let handle = try lock.withLock { free.popLast() } ?? beginExtra()
        defer { lock.withLock { free.append(handle) } }
        return try body(LMDBReadTransaction(handle: handle))
    }

    private func beginExtra() throws -> OpaquePointer {
        var handle: OpaquePointer?
        try lmdbCheck(mdb_txn_begin(environment.handle, nil, UInt32(MDB_RDONLY), &handle), "mdb_txn_begin(\(environment.path), read-only)")
        guard mdb_txn_id(handle) == snapshotID else {
            mdb_txn_abort(handle)
            // EBUSY: the state was committed to while the snapshot was open.
            throw LMDBError(code: EBUSY, operation: "snapshot of \(environment.path) (a commit happened while it was open)")
        }
        lock.withLock { extra.append(handle!) }
        return handle!
    }

    /// Ends the transactions the pool began (the primary belongs to its caller).
    func close() {
        for handle in lock.withLock({ extra }) { mdb_txn_abort(handle) }
    }
}
