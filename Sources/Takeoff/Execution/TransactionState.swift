/// Why a transaction's execution had to stop before it finished. It is not a transaction failure (those
/// are receipts): the executor deals with it and the transaction runs again or the block stops.
public enum ExecutionInterrupted: Error, Sendable {
    /// The state underneath could not be read.
    case storageFailure(any Error)
    /// The transaction read a value that an earlier transaction of the block is about to rewrite; it is
    /// re-run once that transaction has finished (parallel execution only).
    case dependency(onTransaction: Int)
}

/// The state as one transaction sees it while it runs: every earlier transaction of the block applied,
/// no later one. What a ``TransactionLogic`` reads and writes through.
///
/// Reads and writes are buffered per transaction and published when it ends; writes of a failed payload
/// are discarded by the engine.
public protocol TransactionState {
    /// The current value of `key`, or `nil` when it is absent.
    /// - Throws: ``ExecutionInterrupted``; pass it on with `try`, never catch it.
    mutating func read(_ key: StateKey) throws(ExecutionInterrupted) -> StateValue?

    /// Sets `key` to `value`; `nil` deletes the key.
    mutating func write(_ key: StateKey, _ value: StateValue?)

    /// Adds `amount` to the balance (account keys) or amount (other keys) under `key` without reading it.
    ///
    /// Credits are commutative deltas: two transactions that only credit the same key do not conflict, so a
    /// hot key such as the fee collector does not make a block serial. A credit to an absent key creates it
    /// (an account with that balance, or that amount); sums saturate at `UInt128.max` (saturating addition
    /// of non-negative amounts does not depend on their order); a credit to a key holding something other
    /// than an account or an amount leaves it unchanged.
    mutating func credit(_ key: StateKey, _ amount: UInt128)
}

extension Optional where Wrapped == StateValue {
    /// This value with `amount` credited, as ``TransactionState/credit(_:_:)`` defines it.
    @inlinable
    public func credited(_ amount: UInt128, key: StateKey) -> StateValue? {
        switch self {
        case .none:
            if case .account = key { return .account(Account(balance: amount)) }
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
