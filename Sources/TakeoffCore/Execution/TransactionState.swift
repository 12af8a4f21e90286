/// Why a transaction's execution had to stop before it finished. It is not a transaction failure (those
/// are receipts): the executor deals with it and the transaction runs again or the block stops.
public enum ExecutionInterrupted: Error, Sendable {
    /// The state underneath could not be read.
    case storageFailure(any Error)
    /// The transaction read a value that an earlier transaction of the block is about to rewrite; it is
    /// re-run once that transaction has finished (parallel execution only).
    case dependency(onTransaction: Int)
}

/// A write a transaction has buffered for one key.
public enum BufferedWrite: Hashable, Sendable {
    /// The key's new value (`nil`: deleted).
    case value(StateValue?)
    /// A commutative credit not yet applied to the key's earlier value.
    case credit(UInt128)
}

/// The state as one transaction sees it while it runs: every earlier transaction of the block applied, no
/// later one. What a ``TransactionLogic`` reads and writes through.
///
/// Writes are buffered here and published when the transaction ends; the engine drops the writes of a
/// failed payload. Transactions touch a handful of keys, so the buffer is two parallel arrays searched
/// linearly (a key comparison is one word when the keys differ): cheaper than hashing at the sizes that
/// occur. A savepoint is the arrays' length plus an undo log of the entries overwritten since, so rolling
/// back copies nothing that did not change. An executor keeps one buffer per worker and clears it between
/// transactions, so the arrays are allocated once per block, not once per transaction.
///
/// One concrete type, not a protocol, so that the engine's hot path and every chain's logic compile to
/// direct calls whichever module they live in.
public struct TransactionState {
    /// Where reads go once the buffer cannot answer them.
    enum Source {
        /// The sequential executor's block overlay.
        case sequential(BlockOverlay)
        /// The parallel executor's multi-version memory, as seen by transaction `index`.
        case parallel(VersionedState, index: Int)
    }

    private(set) var source: Source
    /// The keys written so far, in first-write order.
    private(set) var keys: [StateKey] = []
    /// The write for each key in ``keys``.
    private(set) var writes: [BufferedWrite] = []
    /// Parallel execution: every read that went to the multi-version memory, with the value seen, for
    /// validation.
    private(set) var reads: [ReadRecord] = []
    /// Sequential execution: every key read from the block overlay, for the access set.
    private(set) var readKeys: [StateKey] = []
    /// Entries overwritten since the savepoint, oldest first.
    private var undo: [(index: Int, write: BufferedWrite)] = []
    private var recordingUndo = false

    init(source: Source) {
        self.source = source
        keys.reserveCapacity(8)
        writes.reserveCapacity(8)
        readKeys.reserveCapacity(8)
    }

    /// Empties the buffer for the next transaction (or the next incarnation of one), keeping its storage.
    mutating func reset(source: Source) {
        self.source = source
        keys.removeAll(keepingCapacity: true)
        writes.removeAll(keepingCapacity: true)
        reads.removeAll(keepingCapacity: true)
        readKeys.removeAll(keepingCapacity: true)
        undo.removeAll(keepingCapacity: true)
        recordingUndo = false
    }

    /// Drops every buffered write, keeping the reads (the transaction's outcome still depends on them).
    mutating func discardWrites() {
        keys.removeAll(keepingCapacity: true)
        writes.removeAll(keepingCapacity: true)
        undo.removeAll(keepingCapacity: true)
        recordingUndo = false
    }

    /// The current value of `key`, or `nil` when it is absent.
    /// - Throws: ``ExecutionInterrupted``; pass it on with `try`, never catch it.
    public mutating func read(_ key: StateKey) throws(ExecutionInterrupted) -> StateValue? {
        guard let index = keys.firstIndex(of: key) else { return try readSource(key) }
        switch writes[index] {
        case .value(let value):
            return value
        case .credit(let amount):
            // Reading a credited key makes the transaction depend on the key's earlier value after all.
            let value = try readSource(key).credited(amount, key: key)
            overwrite(index, with: .value(value))
            return value
        }
    }

    /// Sets `key` to `value`; `nil` deletes the key.
    public mutating func write(_ key: StateKey, _ value: StateValue?) {
        if let index = keys.firstIndex(of: key) {
            overwrite(index, with: .value(value))
        } else {
            keys.append(key)
            writes.append(.value(value))
        }
    }

    /// Adds `amount` to the balance (account keys) or amount (other keys) under `key` without reading it.
    ///
    /// Credits are commutative deltas: two transactions that only credit the same key do not conflict, so a
    /// hot key such as the fee collector does not make a block serial. A credit to an absent key creates it
    /// (an account with that balance, or that amount); sums saturate at `UInt128.max` (saturating addition
    /// of non-negative amounts does not depend on their order); a credit to a key holding something other
    /// than an account or an amount leaves it unchanged.
    public mutating func credit(_ key: StateKey, _ amount: UInt128) {
        guard let index = keys.firstIndex(of: key) else {
            keys.append(key)
            writes.append(.credit(amount))
            return
        }
        switch writes[index] {
        case .value(let value): overwrite(index, with: .value(value.credited(amount, key: key)))
        case .credit(let earlier): overwrite(index, with: .credit(earlier.saturatingAdding(amount)))
        }
    }

    private mutating func readSource(_ key: StateKey) throws(ExecutionInterrupted) -> StateValue? {
        switch source {
        case .sequential(let overlay):
            readKeys.append(key)
            return try overlay.read(key)
        case .parallel(let memory, let index):
            let record = try memory.read(key, before: index)
            reads.append(record)
            return record.value
        }
    }

    private mutating func overwrite(_ index: Int, with write: BufferedWrite) {
        if recordingUndo { undo.append((index, writes[index])) }
        writes[index] = write
    }

    /// The keys read from before the transaction and the keys written (credits left out: they conflict with
    /// nothing): its access set. (The parallel executor builds it from its own records instead.)
    var accessSet: AccessSet {
        var written: [StateKey] = []
        written.reserveCapacity(keys.count)
        for (key, write) in zip(keys, writes) {
            if case .value = write { written.append(key) }
        }
        var read: [StateKey] = []
        read.reserveCapacity(readKeys.count)
        read.append(contentsOf: readKeys)  // a copy of its own: the buffer's array is reused
        return AccessSet(reads: read, writes: written)
    }

    // MARK: - Savepoints

    /// A point to roll back to: the number of keys written before it.
    struct Savepoint {
        fileprivate let count: Int
    }

    /// Starts recording what must be undone to come back here. One savepoint at a time.
    mutating func makeSavepoint() -> Savepoint {
        recordingUndo = true
        if !undo.isEmpty { undo.removeAll(keepingCapacity: true) }
        return Savepoint(count: keys.count)
    }

    /// Drops every write made since `savepoint`.
    mutating func rollBack(to savepoint: Savepoint) {
        for entry in undo.reversed() where entry.index < savepoint.count { writes[entry.index] = entry.write }
        keys.removeSubrange(savepoint.count...)
        writes.removeSubrange(savepoint.count...)
        undo.removeAll(keepingCapacity: true)
        recordingUndo = false
    }
}

extension Optional where Wrapped == StateValue {
    /// This value with `amount` credited, as `TransactionState.credit(_:_:)` defines it.
    @inlinable
    public func credited(_ amount: UInt128, key: StateKey) -> StateValue? {
        switch self {
        case .none:
            if key.kind == .account { return .account(Account(balance: amount)) }
            return .amount(amount)
        case .account(var account):
            account.balance = account.balance.saturatingAdding(amount)
            return .account(account)
        case .amount(let value):
            return .amount(value.saturatingAdding(amount))
        case .some(let other):
            return other
        }
    }
}

extension UInt128 {
    /// `self + other`, or `UInt128.max` when that overflows.
    @inlinable
    public func saturatingAdding(_ other: UInt128) -> UInt128 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
