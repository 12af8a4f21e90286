/// Where a running transaction's reads go once its own buffer cannot answer them: the state as of just
/// before the transaction (the sequential executor's block overlay; the parallel executor's multi-version
/// memory, which also records the read).
public protocol TransactionReadSource {
    /// The value of `key` before the current transaction.
    mutating func read(_ key: StateKey) throws(ExecutionInterrupted) -> StateValue?
}

/// A write a transaction has buffered for one key.
public enum BufferedWrite: Hashable, Sendable {
    /// The key's new value (`nil`: deleted).
    case value(StateValue?)
    /// A commutative credit not yet applied to the key's earlier value.
    case credit(UInt128)
}

/// The writes of one running transaction over its read source: the ``TransactionState`` every transaction
/// runs on.
///
/// Transactions touch a handful of keys, so the buffer is two parallel arrays searched linearly: cheaper
/// than hashing for the sizes that occur. A savepoint is the arrays' length plus an undo log of the entries
/// overwritten since, so rolling back copies nothing that was not changed.
public struct TransactionBuffer<Source: TransactionReadSource>: TransactionState {
    /// The reads underneath.
    public var source: Source
    /// The keys written so far, in first-write order.
    public private(set) var keys: [StateKey] = []
    /// The write for each key in ``keys``.
    public private(set) var writes: [BufferedWrite] = []
    /// Entries overwritten since the savepoint, oldest first (empty, and unallocated, when there is none).
    private var undo: [(index: Int, write: BufferedWrite)] = []
    private var recordingUndo = false

    /// Creates an empty buffer over `source`.
    public init(source: Source) {
        self.source = source
        keys.reserveCapacity(4)
        writes.reserveCapacity(4)
    }

    public mutating func read(_ key: StateKey) throws(ExecutionInterrupted) -> StateValue? {
        guard let index = keys.firstIndex(of: key) else { return try source.read(key) }
        switch writes[index] {
        case .value(let value):
            return value
        case .credit(let amount):
            // Reading a credited key makes the transaction depend on the key's earlier value after all.
            let value = try source.read(key).credited(amount, key: key)
            overwrite(index, with: .value(value))
            return value
        }
    }

    public mutating func write(_ key: StateKey, _ value: StateValue?) {
        if let index = keys.firstIndex(of: key) {
            overwrite(index, with: .value(value))
        } else {
            keys.append(key)
            writes.append(.value(value))
        }
    }

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

    private mutating func overwrite(_ index: Int, with write: BufferedWrite) {
        if recordingUndo { undo.append((index, writes[index])) }
        writes[index] = write
    }

    /// A point to roll back to: the number of keys written before it.
    struct Savepoint {
        fileprivate let count: Int
    }

    /// Starts recording what must be undone to come back here. One savepoint at a time.
    mutating func makeSavepoint() -> Savepoint {
        recordingUndo = true
        undo.removeAll(keepingCapacity: true)
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
