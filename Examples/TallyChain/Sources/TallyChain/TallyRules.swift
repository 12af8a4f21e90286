import TakeoffCore

/// The tally chain's receipt statuses (``ReceiptStatus/success`` is the engine's).
public enum TallyStatus {
    /// The signature does not verify, or the key is not the sender's. Nothing is charged.
    public static let badSignature = ReceiptStatus(rawValue: 1)
    /// The sender is not a member, or the sequence number is not the sender's. Nothing is charged.
    public static let badSequence = ReceiptStatus(rawValue: 2)
    /// The sender cannot pay `gasPrice × gasLimit`. Nothing is charged.
    public static let cannotPayFee = ReceiptStatus(rawValue: 3)
    /// The gas limit does not cover the action. The fee is charged.
    public static let outOfGas = ReceiptStatus(rawValue: 4)
    /// A transfer of more than the sender holds. The fee is charged.
    public static let insufficientBalance = ReceiptStatus(rawValue: 5)
    /// The proposal already exists. The fee is charged.
    public static let proposalExists = ReceiptStatus(rawValue: 6)
    /// There is no such proposal. The fee is charged.
    public static let noSuchProposal = ReceiptStatus(rawValue: 7)
    /// The sender has voted on this proposal already. The fee is charged.
    public static let alreadyVoted = ReceiptStatus(rawValue: 8)

    /// A name for each status, for reports.
    public static func name(of status: ReceiptStatus) -> String {
        switch status {
        case .success: "success"
        case badSignature: "bad signature"
        case badSequence: "bad sequence"
        case cannotPayFee: "cannot pay the fee"
        case outOfGas: "out of gas"
        case insufficientBalance: "insufficient balance"
        case proposalExists: "proposal exists"
        case noSuchProposal: "no such proposal"
        case alreadyVoted: "already voted"
        default: status.description
        }
    }
}

/// The tally chain's envelope: P-256 signatures, per-member sequence numbers, and a fee of
/// `gasPrice × gasLimit` paid to the chain's treasury (not to the block's proposer).
public struct TallyRules: ChainRules {
    /// Creates the rules.
    public init() {}

    /// The P-256 check, done by the engine before execution on every core.
    public func authenticate(_ transaction: TallyTransaction) -> ReceiptStatus? {
        transaction.hasValidSignature ? nil : TallyStatus.badSignature
    }

    public func chargeEnvelope(
        _ transaction: TallyTransaction, in block: BlockContext, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> EnvelopeOutcome {
        guard var member = try state.read(TallyKey.member(transaction.sender), as: Member.self),
            member.sequence == transaction.sequence
        else { return .rejected(TallyStatus.badSequence) }
        let (fee, overflow) = transaction.gasPrice.multipliedReportingOverflow(by: transaction.gasLimit)
        guard !overflow, member.balance >= fee else { return .rejected(TallyStatus.cannotPayFee) }
        member.balance -= fee
        member.sequence += 1
        state.write(TallyKey.member(transaction.sender), member)
        // A credit: every transaction pays the treasury, yet none waits for another to do so.
        if fee > 0 { state.credit(TallyKey.treasury, UInt128(fee)) }
        return .charged(fee: UInt128(fee))
    }

    public func forEachEnvelopeWrite(of transaction: TallyTransaction, _ body: (StateKey) -> Void) {
        body(TallyKey.member(transaction.sender).stateKey)
    }
}
