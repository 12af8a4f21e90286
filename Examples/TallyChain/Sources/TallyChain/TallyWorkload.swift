import Crypto
import TakeoffCore

/// Deterministic blocks of tally transactions over a fixed set of members: transfers, a few proposals, and
/// many votes on them (so blocks have both independent transactions and hot keys).
public struct TallyWorkload {
    /// The members' keys, in order.
    public let keys: [P256.Signing.PrivateKey]
    /// The members' addresses, in order.
    public let members: [Address]
    /// Each member's starting balance.
    public let startingBalance: UInt64 = 1_000_000
    private var sequences: [UInt64]
    private var random: UInt64
    private var proposals: UInt32 = 0

    /// `memberCount` members whose keys derive from `seed`.
    public init(memberCount: Int, seed: UInt64) throws {
        keys = try (0..<memberCount).map { index in
            var material = Array("tally-member".utf8)
            withUnsafeBytes(of: (seed.bigEndian, UInt64(index).bigEndian)) { material.append(contentsOf: $0) }
            return try P256.Signing.PrivateKey(rawRepresentation: Array(SHA256.hash(data: material)))
        }
        members = keys.map { TallyTransaction.address(of: $0.publicKey) }
        sequences = [UInt64](repeating: 0, count: memberCount)
        random = seed | 1
    }

    /// The state before block 1: every member with the starting balance.
    public var genesisEntries: [(StateKey, StateValue)] {
        members.map { (TallyKey.member($0).stateKey, Member(balance: startingBalance).stateValue) }
    }

    /// The context of block `number`.
    public func context(number: UInt64) -> BlockContext {
        BlockContext(number: number, timestamp: 1_800_000_000 + number, feeCollector: .zero)
    }

    /// The next block of `size` signed transactions.
    public mutating func nextBlock(size: Int) throws -> [TallyTransaction] {
        try (0..<size).map { _ in try nextTransaction() }
    }

    private mutating func nextTransaction() throws -> TallyTransaction {
        let sender = Int(next() % UInt64(members.count))
        let action: TallyTransaction.Action
        switch next() % 10 {
        case 0 where proposals < 4 || next() % 8 == 0:
            proposals += 1
            action = .propose(id: proposals)
        case 0...4 where proposals > 0:
            // Votes crowd on the latest proposals; some repeat a vote and fail, some name an unknown proposal.
            let proposal = next() % 8 == 0 ? UInt32(next() % UInt64(proposals + 2)) : proposals
            action = .vote(proposal: proposal, inFavor: next() % 3 != 0)
        default:
            action = .transfer(to: members[Int(next() % UInt64(members.count))], amount: next() % 5_000)
        }
        // A few transactions carry a sequence number from the future, too little gas, or a signature that no
        // longer verifies, to exercise the rejections (a rejected one leaves the member's sequence as it was).
        let tampered = next() % 100 == 0
        var sequence = sequences[sender]
        if next() % 50 == 0 { sequence += 1 } else if !tampered { sequences[sender] += 1 }
        let gasLimit: UInt64 = next() % 40 == 0 ? 100 : 3_000
        let unsigned = TallyTransaction(sender: members[sender], sequence: sequence, gasPrice: 1 + next() % 3, gasLimit: gasLimit, action: action)
        var signed = try unsigned.signed(by: keys[sender])
        // And a few are altered after signing: their signatures no longer verify.
        if tampered { signed.gasPrice += 1 }
        return signed
    }

    private mutating func next() -> UInt64 {
        random ^= random << 13
        random ^= random >> 7
        random ^= random << 17
        return random
    }
}
