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
    /// Runs `body` with a consistent read-only view of the store: the state and head as of the latest commit.
    ///
    /// The view may be read from several threads at once (each borrows its own LMDB read transaction),
    /// and must not be used after `body` returns. Do not commit inside `body`: a commit that grows the map
    /// waits for open views.
    /// - Throws: `StateStoreFault/empty(location:)` before genesis, or what `body` throws.
    public func withReadView<Result>(_ body: (LMDBReadView) throws -> Result) throws -> Result {
        try environment.withReadTransaction { transaction in
            guard let head = try readHead(transaction) else { throw StateStoreFault.empty(location: path) }
            let readers = ReadTransactionPool(environment: environment, primary: transaction)
            defer { readers.close() }
            return try body(LMDBReadView(store: self, readers: readers, head: head))
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

    /// The number of keys in `view`.
    /// - Throws: ``LMDBError``.
    func keyCount(in view: LMDBReadView) throws -> Int {
        try view.readers.withTransaction { try $0.count(of: stateTable) }
    }

    /// Calls `body` with every (key, value) pair in key order.
    /// - Throws: ``StateStoreError/corrupt(path:what:reason:)`` for undecodable entries, ``LMDBError``.
    public func forEachEntry(_ body: (StateKey, StateValue) throws -> Void) throws {
        try environment.withReadTransaction { try forEachEntry(in: $0, body) }
    }

    /// Calls `body` with every (key, value) pair of `view`, in key order.
    /// - Throws: as ``forEachEntry(_:)``.
    func forEachEntry(in view: LMDBReadView, _ body: (StateKey, StateValue) throws -> Void) throws {
        try view.readers.withTransaction { try forEachEntry(in: $0, body) }
    }

    func forEachEntry(in transaction: LMDBReadTransaction, _ body: (StateKey, StateValue) throws -> Void) throws {
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
    /// - Throws: `StateStoreFault/commitmentMismatch(block:header:computed:)` when the state does not add up
    ///   to the head's commitment, ``StateStoreError/corrupt(path:what:reason:)`` for undecodable entries,
    ///   `StateStoreFault/empty(location:)` for an empty store.
    public func verify(progress: (Verification) -> Void = { _ in }) throws -> Verification {
        let clock = DispatchTime.now().uptimeNanoseconds
        var report = Verification()
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9 }
        return try environment.withReadTransaction { transaction in
            guard let head = try readHead(transaction) else { throw StateStoreFault.empty(location: path) }
            report.headBlock = head.block
            let commitment = try recompute(in: transaction) { keys, bytes in
                report.keys = keys
                report.bytes = bytes
                report.seconds = elapsed()
                progress(report)
            }
            guard commitment == head.commitment else {
                throw StateStoreFault.commitmentMismatch(block: head.block, header: head.commitment.digest, computed: commitment.digest)
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
    func recompute(in transaction: LMDBReadTransaction, progress: (_ keys: Int, _ bytes: Int) -> Void) throws -> StateCommitment {
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
}

/// A read-only, consistent view of a ``LMDBStateStore``, valid inside ``LMDBStateStore/withReadView(_:)``. Safe to
/// read from several threads at once.
public struct LMDBReadView: StateReadView, Sendable {
    let store: LMDBStateStore
    let readers: ReadTransactionPool
    /// The head the view was taken at.
    public let head: StoreHead

    public func value(for key: StateKey) throws -> StateValue? {
        try readers.withTransaction { try store.value(for: key, in: $0) }
    }

    public func keyCount() throws -> Int { try store.keyCount(in: self) }

    public func forEachEntry(_ body: (StateKey, StateValue) throws -> Void) throws { try store.forEachEntry(in: self, body) }
}
