import TakeoffCore

/// The built-in chain's envelope: an Ed25519 signature by the sender's key, the sender's account nonce,
/// and a fee paid in full to the block's fee collector.
///
/// 1. An invalid signature fails with `ReceiptStatus/badSignature`; nothing is charged.
/// 2. The sender must exist and carry the transaction's nonce (`ReceiptStatus/badNonce`) and be able to
///    pay the fee (`ReceiptStatus/insufficientFee`); nothing is charged otherwise.
/// 3. The fee leaves the sender and is credited (a commutative delta) to the block's fee collector; the
///    sender's nonce goes up by one.
public struct BuiltinChainRules: ChainRules {
    /// Creates the rules.
    public init() {}

    public func authenticate(_ transaction: BuiltinTransaction) -> ReceiptStatus? {
        transaction.hasValidSignature ? nil : .badSignature
    }

    @inlinable
    public func chargeEnvelope(
        _ transaction: BuiltinTransaction, in block: BlockContext, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> EnvelopeOutcome {
        guard case .account(var sender)? = try state.read(.account(transaction.sender)),
            sender.nonce == transaction.nonce, sender.nonce < UInt64.max
        else { return .rejected(.badNonce) }
        guard sender.balance >= transaction.fee else { return .rejected(.insufficientFee) }
        sender.balance -= transaction.fee
        sender.nonce += 1
        state.write(.account(transaction.sender), .account(sender))
        if transaction.fee > 0 { state.credit(.account(block.feeCollector), transaction.fee) }
        return .charged(fee: transaction.fee)
    }

    @inlinable
    public func forEachEnvelopeWrite(of transaction: BuiltinTransaction, _ body: (StateKey) -> Void) {
        body(.account(transaction.sender))
    }
}
