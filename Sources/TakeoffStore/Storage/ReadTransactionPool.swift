import CLMDB
import Foundation
import TakeoffCore

/// Read transactions over one committed state, lent to one thread at a time.
///
/// LMDB lets a read transaction be used by one thread at a time only; parallel workers each borrow one,
/// and the pool begins another when all are lent. Every transaction must see the same committed state
/// (LMDB transaction id) as the first, so that the pool is one consistent snapshot: once a commit has
/// happened since the first began (a pipeline commits while the next block executes), a new one would
/// see the newer state, so the pool stops growing and borrowers wait for a lent transaction instead.
final class ReadTransactionPool: @unchecked Sendable {
    // @unchecked: the handles are owned by the pool and handed to one borrower at a time under `free`.
    private let environment: LMDBEnvironment
    private let snapshotID: Int
    private let condition = NSCondition()
    private var free: [OpaquePointer]
    private var extra: [OpaquePointer] = []
    /// Cleared once a new transaction saw a newer state than the first.
    private var mayGrow = true

    /// Creates a pool whose first transaction is `primary` (still owned by its caller).
    init(environment: LMDBEnvironment, primary: LMDBReadTransaction) {
        self.environment = environment
        snapshotID = mdb_txn_id(primary.handle)
        free = [primary.handle]
    }

    /// Runs `body` with a transaction no other thread is using.
    /// - Throws: ``LMDBError`` when a new transaction cannot begin; what `body` throws.
    func withTransaction<Result>(_ body: (LMDBReadTransaction) throws -> Result) throws -> Result {
        let handle = try borrow()
        defer {
            condition.lock()
            free.append(handle)
            condition.signal()
            condition.unlock()
        }
        return try body(LMDBReadTransaction(handle: handle))
    }

    private func borrow() throws -> OpaquePointer {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let handle = free.popLast() { return handle }
            if mayGrow {
                var handle: OpaquePointer?
                try lmdbCheck(mdb_txn_begin(environment.handle, nil, UInt32(MDB_RDONLY), &handle), "mdb_txn_begin(\(environment.path), read-only)")
                if mdb_txn_id(handle) == snapshotID {
                    extra.append(handle!)
                    return handle!
                }
                mdb_txn_abort(handle)
                mayGrow = false
            }
            condition.wait()
        }
    }

    /// Ends the transactions the pool began (the primary belongs to its caller).
    func close() {
        condition.lock()
        defer { condition.unlock() }
        for handle in extra { mdb_txn_abort(handle) }
    }
}
