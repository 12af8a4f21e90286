import TakeoffCore

/// The tally chain's keys: members, the treasury, proposals, ballots and vote counts.
public enum TallyKey: ChainKey {
    /// A member's balance and sequence number.
    case member(Address)
    /// Where every fee goes.
    case treasury
    /// A proposal: who made it.
    case proposal(UInt32)
    /// Whether `voter` has voted on `proposal` (one vote each).
    case ballot(proposal: UInt32, voter: Address)
    /// The number of votes for (`inFavor`) or against a proposal. Votes are credits: they commute, so votes
    /// on one proposal do not conflict with each other.
    case votes(proposal: UInt32, inFavor: Bool)

    /// Each family has a namespace of its own; its fields are packed into the 32-byte id.
    public var stateKey: StateKey {
        switch self {
        case .member(let address):
            .custom(namespace: 0x7A11, id: Hash32(w0: address.high, w1: address.middle, w2: UInt64(address.low), w3: 0))
        case .treasury:
            .custom(namespace: 0x7A12, id: .zero)
        case .proposal(let id):
            .custom(namespace: 0x7A13, id: Hash32(w0: UInt64(id), w1: 0, w2: 0, w3: 0))
        case .ballot(let proposal, let voter):
            .custom(namespace: 0x7A14, id: Hash32(w0: UInt64(proposal), w1: voter.high, w2: voter.middle, w3: UInt64(voter.low)))
        case .votes(let proposal, let inFavor):
            .custom(namespace: 0x7A15, id: Hash32(w0: UInt64(proposal), w1: inFavor ? 1 : 0, w2: 0, w3: 0))
        }
    }
}

/// A member's entry: a balance and the sequence number its next transaction must carry.
public struct Member: ChainValue, Hashable {
    /// Spendable balance.
    public var balance: UInt64
    /// The next transaction's sequence number.
    public var sequence: UInt64

    /// Creates a member entry.
    public init(balance: UInt64, sequence: UInt64 = 0) {
        self.balance = balance
        self.sequence = sequence
    }

    /// Packed into a fixed-size word, so that writing a member never allocates.
    public var stateValue: StateValue { .word(Hash32(w0: balance, w1: sequence, w2: 0, w3: 0)) }

    public init?(stateValue: StateValue) {
        guard case .word(let word) = stateValue, word.w2 == 0, word.w3 == 0 else { return nil }
        self.init(balance: word.w0, sequence: word.w1)
    }
}

/// A proposal's entry: who made it.
public struct Proposal: ChainValue, Hashable {
    /// The member who made it.
    public var proposer: Address

    /// Creates a proposal entry.
    public init(proposer: Address) { self.proposer = proposer }

    public var stateValue: StateValue { .address(proposer) }

    public init?(stateValue: StateValue) {
        guard case .address(let proposer) = stateValue else { return nil }
        self.proposer = proposer
    }
}
