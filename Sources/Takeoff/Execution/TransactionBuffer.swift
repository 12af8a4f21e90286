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
/// than hashing for the sizes that occur, and a savepoint is just a copy of them.
public struct TransactionBuffer<Source: TransactionReadSource>: TransactionState {
    /// The reads underneath.
    public var source: Source
    /// The keys written so far, in first-write order.
    public private(set) var keys: [StateKey] = []
    /// The write for each key in ``keys``.
    public private(set) var writes: [BufferedWrite] = []

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
            writes[index] = .value(value)
            return value
        }
    }

    public mutating func write(_ key: StateKey, _ value: StateValue?) {
        if let index = keys.firstIndex(of: key) {
            writes[index] = .value(value)
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
        case .value(let value): writes[index] = .value(value.credited(amount, key: key))
        case .credit(let earlier): writes[index] = .credit(earlier.saturatingAdding(amount))
        }
    }

    /// A point to roll back to.
    struct Savepoint {
        fileprivate let keys: [StateKey]
        fileprivate let writes: [BufferedWrite]
    }

    var savepoint: Savepoint { Savepoint(keys: keys, writes: writes) }

    mutating func rollBack(to savepoint: Savepoint) {
        keys = savepoint.keys
        writes = savepoint.writes
    }
}
