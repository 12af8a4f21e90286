/// Runs one transaction: the chain's envelope rules, then its payload logic.
///
/// 1. A transaction that failed authentication (checked before execution) gets the rules' rejecting status;
///    nothing is charged.
/// 2. ``ChainRules/chargeEnvelope(_:in:state:)`` checks and charges the envelope; when it rejects the
///    transaction, its writes are dropped and nothing is charged.
/// 3. The payload runs; when it fails, its writes and events are dropped and the envelope's charges stay.
///
/// Generic over the logic, so that the executors' inner loops call it directly (and inline it) instead of
/// going through an existential.
public struct TransactionProcessor<Logic: TransactionLogic>: Sendable {
    /// The chain's logic (and, through it, its rules).
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
    ///   - index: the transaction's place in the block (it seeds the optional extra work).
    ///   - authentication: the pre-execution check's answer: nil, or the rejecting status.
    /// - Returns: the receipt.
    /// - Throws: the ``ExecutionInterrupted`` a read threw.
    @inline(__always)
    func process(
        _ transaction: borrowing Logic.Transaction, index: Int, authentication: ReceiptStatus?, in block: BlockContext,
        state buffer: inout TransactionState
    ) throws(ExecutionInterrupted) -> Receipt {
        if let rejection = authentication { return Receipt(status: rejection, gasUsed: 0, feePaid: 0) }
        let fee: UInt128
        switch try logic.rules.chargeEnvelope(transaction, in: block, state: &buffer) {
        case .rejected(let status):
            buffer.discardWrites()
            return Receipt(status: status, gasUsed: 0, feePaid: 0)
        case .charged(let charged):
            fee = charged
        }
        if options.workRoundsPerTransaction > 0 {
            _ = DeterministicWork.chain(
                seed: withUnsafeBytes(of: UInt64(index).bigEndian, Array.init), rounds: options.workRoundsPerTransaction)
        }

        let beforePayload = buffer.makeSavepoint()
        let outcome = try logic.execute(transaction, in: block, state: &buffer)
        guard outcome.status.isSuccess else {
            buffer.rollBack(to: beforePayload)
            return Receipt(status: outcome.status, gasUsed: outcome.gasUsed, feePaid: fee)
        }
        return Receipt(status: outcome.status, gasUsed: outcome.gasUsed, feePaid: fee, events: outcome.events)
    }
}
