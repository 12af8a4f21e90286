/// What a chain's envelope rules decided about a transaction before its payload runs.
public enum EnvelopeOutcome: Hashable, Sendable {
    /// The checks passed and `fee` was charged: the payload runs, and the receipt records the fee.
    case charged(fee: UInt128)
    /// The transaction is rejected with `status` before its payload runs. The engine drops whatever the
    /// rules wrote; the receipt records no fee.
    case rejected(ReceiptStatus)
}

/// A chain's envelope: the rules every transaction follows whatever its payload does. How it
/// authenticates, how its nonce and fee are checked, what it is charged and where the fee goes.
///
/// The executors are generic over a ``TransactionLogic`` whose ``TransactionLogic/rules`` are these, so a
/// chain with another signature scheme, another nonce rule (or none) or another fee model plugs its rules
/// in without touching the engine. `BuiltinChainRules` (Ed25519, account nonces, fees to the block's fee
/// collector) are the built-in chain's.
///
/// Both requirements must be deterministic: ``authenticate(_:)`` is a pure function of the transaction;
/// ``chargeEnvelope(_:in:state:)`` reads and writes only through `state`.
public protocol ChainRules: Sendable {
    /// The chain's transaction type.
    associatedtype Transaction: ChainTransaction

    /// Checks that `transaction` is what its sender signed (or however the chain authenticates).
    ///
    /// The executors call it once per transaction before execution, spread over every core, and keep the
    /// answer for every re-execution: it must depend on the transaction alone, never on the state.
    /// - Returns: nil when the transaction is authentic, otherwise the status of the receipt that rejects it
    ///   (nothing is charged).
    func authenticate(_ transaction: Transaction) -> ReceiptStatus?

    /// Checks an authentic transaction's envelope against the state and charges it: typically checks the
    /// sender's nonce and balance, takes the fee from the sender, bumps the nonce and pays the fee out.
    ///
    /// Pay fees out with `TransactionState.credit(_:_:)`: a credit is a commutative delta, so a single fee
    /// destination that every transaction pays does not make the block a chain of dependencies.
    /// - Returns: ``EnvelopeOutcome/charged(fee:)`` to run the payload, ``EnvelopeOutcome/rejected(_:)``
    ///   to stop here (the engine then drops the rules' writes).
    /// - Throws: only the ``ExecutionInterrupted`` that `state` throws, passed on.
    func chargeEnvelope(
        _ transaction: Transaction, in block: BlockContext, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> EnvelopeOutcome

    /// Calls `body` with the keys ``chargeEnvelope(_:in:state:)`` overwrites (not credits), such as the
    /// sender's account. The parallel executor adds them to the payload's conflict keys when it estimates a
    /// block's dependencies, and the executors prefetch them. A wrong answer costs speed, never correctness.
    func forEachEnvelopeWrite(of transaction: Transaction, _ body: (StateKey) -> Void)
}

extension ChainRules {
    /// Names no key: for rules that write nothing, or that cannot tell.
    public func forEachEnvelopeWrite(of transaction: Transaction, _ body: (StateKey) -> Void) {}
}
