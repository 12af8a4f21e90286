/// A chain's own key type: how it maps onto the engine's fixed-size ``StateKey``.
///
/// The engine reads, writes, detects conflicts and commits by ``StateKey``: fixed-size, hashed once, ordered
/// like its encoding. A chain keeps its own key types (an enum of its key families, say) and names the
/// ``StateKey`` each one stands for, usually ``StateKey/custom(namespace:id:)`` with a namespace per family
/// and the family's fields packed into the 32-byte id. Two different keys of the chain must map to two
/// different state keys.
public protocol ChainKey: Hashable, Sendable {
    /// The engine's key for this one.
    var stateKey: StateKey { get }
}

/// A chain's own value type: how it maps onto the engine's ``StateValue``.
///
/// Prefer the fixed-size cases (``StateValue/amount(_:)``, ``StateValue/word(_:)``, ``StateValue/account(_:)``):
/// they never allocate, where ``StateValue/bytes(_:)`` does on every write. A value that
/// `TransactionState.credit(_:_:)` should add to must be an ``StateValue/amount(_:)`` (or an account).
public protocol ChainValue: Sendable {
    /// The engine's value for this one.
    var stateValue: StateValue { get }
    /// The chain's value held by `stateValue`, or nil when it holds something else.
    init?(stateValue: StateValue)
}

extension StateKey: ChainKey {
    /// The key itself.
    public var stateKey: StateKey { self }
}

extension StateValue: ChainValue {
    /// The value itself.
    public var stateValue: StateValue { self }
    /// The value itself.
    public init?(stateValue: StateValue) { self = stateValue }
}

extension TransactionState {
    /// The chain's value under `key`: nil when the key is absent or holds something that is not a `Value`
    /// (read the ``StateKey`` itself to tell the two apart).
    /// - Throws: ``ExecutionInterrupted``; pass it on with `try`, never catch it.
    public mutating func read<Value: ChainValue>(
        _ key: some ChainKey, as _: Value.Type
    ) throws(ExecutionInterrupted) -> Value? {
        try read(key.stateKey).flatMap(Value.init(stateValue:))
    }

    /// Sets `key` to `value`.
    public mutating func write(_ key: some ChainKey, _ value: some ChainValue) {
        // `Optional(...)`: a plain `StateValue` would pick this overload again (`StateValue` is a `ChainValue`)
        // and recurse forever, instead of the concrete `write(_:_:)` that takes an optional value.
        write(key.stateKey, Optional(value.stateValue))
    }

    /// Deletes `key`.
    public mutating func delete(_ key: some ChainKey) {
        write(key.stateKey, nil)
    }

    /// Adds `amount` to the amount under `key` without reading it: see ``credit(_:_:)``.
    public mutating func credit(_ key: some ChainKey, _ amount: UInt128) {
        credit(key.stateKey, amount)
    }
}
