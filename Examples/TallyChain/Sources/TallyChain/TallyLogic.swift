import TakeoffCore

/// What tally chain transactions do: transfers between members, proposals, and one vote per member per
/// proposal.
public struct TallyLogic: TransactionLogic {
    /// Gas each action needs.
    public enum Gas {
        public static let transfer: UInt64 = 500
        public static let propose: UInt64 = 2_000
        public static let vote: UInt64 = 1_000
    }

    public let rules = TallyRules()

    /// Creates the logic.
    public init() {}

    public func execute(
        _ transaction: TallyTransaction, in block: BlockContext, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> PayloadOutcome {
        switch transaction.action {
        case .transfer(let to, let amount):
            guard transaction.gasLimit >= Gas.transfer else { return .failure(TallyStatus.outOfGas, gasUsed: transaction.gasLimit) }
            return PayloadOutcome(status: try transfer(amount, from: transaction.sender, to: to, state: &state), gasUsed: Gas.transfer)
        case .propose(let id):
            guard transaction.gasLimit >= Gas.propose else { return .failure(TallyStatus.outOfGas, gasUsed: transaction.gasLimit) }
            guard try state.read(TallyKey.proposal(id), as: Proposal.self) == nil else {
                return .failure(TallyStatus.proposalExists, gasUsed: Gas.propose)
            }
            state.write(TallyKey.proposal(id), Proposal(proposer: transaction.sender))
            return .success(gasUsed: Gas.propose)
        case .vote(let proposal, let inFavor):
            guard transaction.gasLimit >= Gas.vote else { return .failure(TallyStatus.outOfGas, gasUsed: transaction.gasLimit) }
            guard try state.read(TallyKey.proposal(proposal), as: Proposal.self) != nil else {
                return .failure(TallyStatus.noSuchProposal, gasUsed: Gas.vote)
            }
            let ballot = TallyKey.ballot(proposal: proposal, voter: transaction.sender)
            guard try state.read(ballot.stateKey) == nil else { return .failure(TallyStatus.alreadyVoted, gasUsed: Gas.vote) }
            state.write(ballot, StateValue.amount(1))
            state.credit(TallyKey.votes(proposal: proposal, inFavor: inFavor), 1)
            return .success(gasUsed: Gas.vote)
        }
    }

    private func transfer(
        _ amount: UInt64, from sender: Address, to recipient: Address, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> ReceiptStatus {
        guard var from = try state.read(TallyKey.member(sender), as: Member.self), from.balance >= amount else {
            return TallyStatus.insufficientBalance
        }
        if sender == recipient { return .success }
        var to = try state.read(TallyKey.member(recipient), as: Member.self) ?? Member(balance: 0)
        from.balance -= amount
        to.balance += amount  // bounded by the total supply, which fits in 64 bits
        state.write(TallyKey.member(sender), from)
        state.write(TallyKey.member(recipient), to)
        return .success
    }

    /// What each action writes besides the envelope: lets the parallel executor spot chains of dependencies.
    public func conflictKeys(of transaction: TallyTransaction) -> [StateKey]? {
        switch transaction.action {
        case .transfer(let to, _): [TallyKey.member(to).stateKey]
        case .propose(let id): [TallyKey.proposal(id).stateKey]
        case .vote(let proposal, _): [TallyKey.ballot(proposal: proposal, voter: transaction.sender).stateKey]
        }
    }
}
