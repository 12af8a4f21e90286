/// Runs one transaction: the envelope rules every chain shares, then the chain's ``TransactionLogic``.
///
/// 1. An invalid signature fails with ``ReceiptStatus/badSignature``; nothing is charged.
/// 2. The sender must exist and carry the transaction's nonce (``ReceiptStatus/badNonce``) and be able to
///    pay the fee (``ReceiptStatus/insufficientFee``); nothing is charged otherwise.
/// 3. The fee leaves the sender and is credited (a commutative delta) to the block's fee collector; the
///    sender's nonce goes up by one.
/// 4. The payload runs; when it fails, its writes are dropped and the fee and nonce stay.
///
/// Generic over the logic, so that the executors' inner loops call it directly (and inline it) instead of
/// going through an existential.
public struct TransactionProcessor<Logic: TransactionLogic>: Sendable {
    /// The chain's logic.
    public let logic: Logic
    /// Engine settings.
    public let options: ExecutionOptions

    /// Creates a processor.
    public init(logic: Logic, options: ExecutionOptions) {
        self.logic = logic
        self.options = options
    }

    /// Runs `transaction` over `state`, leaving its writes there.
    /// - Parameters:
    ///   - signatureIsValid: the result of the signature check done before execution.
    /// - Returns: the receipt.
    /// - Throws: the ``ExecutionInterrupted`` a read threw.
    func process(
        _ transaction: borrowing Transaction, signatureIsValid: Bool, in block: BlockContext, state buffer: inout TransactionState
    ) throws(ExecutionInterrupted) -> Receipt {
        guard signatureIsValid else { return Receipt(status: .badSignature, gasUsed: 0, feePaid: 0) }
        guard case .account(var sender)? = try buffer.read(.account(transaction.sender)),
            sender.nonce == transaction.nonce, sender.nonce < UInt64.max
        else { return Receipt(status: .badNonce, gasUsed: 0, feePaid: 0) }
        guard sender.balance >= transaction.fee else { return Receipt(status: .insufficientFee, gasUsed: 0, feePaid: 0) }

        sender.balance -= transaction.fee
        sender.nonce += 1
        buffer.write(.account(transaction.sender), .account(sender))
        if transaction.fee > 0 { buffer.credit(.account(block.feeCollector), transaction.fee) }
        if options.workRoundsPerTransaction > 0 {
            _ = DeterministicWork.chain(seed: transaction.signature.bytes, rounds: options.workRoundsPerTransaction)
        }

        let beforePayload = buffer.makeSavepoint()
        let outcome = try logic.execute(transaction, in: block, state: &buffer)
        if !outcome.status.isSuccess { buffer.rollBack(to: beforePayload) }
        return Receipt(status: outcome.status, gasUsed: outcome.gasUsed, feePaid: transaction.fee)
    }
}
