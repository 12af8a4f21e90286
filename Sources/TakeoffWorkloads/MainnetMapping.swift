import TakeoffCore
import TakeoffBuiltinChain

/// The mainnet trace mapped onto built-in transactions and generated accounts.
///
/// - `eth-transfer` → ``BuiltinPayload/transfer(to:amount:)``;
/// - `erc20-transfer` → ``BuiltinPayload/tokenTransfer(token:to:amount:)``;
/// - `contract-call` → ``BuiltinPayload/compute(contract:value:rounds:)`` on the called contract, with one
///   SHA-256 round per 1,000 gas above 21,000 (gas used where the trace knows it, else the gas limit);
/// - `create` → ``BuiltinPayload/createAccount(address:value:)``.
///
/// Unsigned, accounts keep their mainnet addresses. Signed, every mainnet address is replaced by the
/// address of a key derived from its order of first appearance: a one-to-one renaming that keeps the
/// trace's conflict pattern.
struct MainnetMapping {
    struct Entry {
        var sender: Int
        var payload: BuiltinPayload
        var gasLimit: UInt64
    }

    let blocks: [[Entry]]
    private let senders: [Address]
    private let tokenHolders: [(token: Address, holder: Address)]

    /// The starting balance of every sender: far above any value in the trace.
    static let genesisBalance: UInt128 = 1_000_000_000_000_000_000_000_000_000_000  // 10^30 wei
    /// The starting token balance of every sender of a token: a quarter of the 128-bit range, so the
    /// largest amounts in the trace (about 3.1e38) fail as insufficient instead of being silently capped.
    static let genesisTokenBalance: UInt128 = UInt128.max / 4

    init(trace: MainnetTrace, book: AccountBook) {
        var ordinals: [Address: Int] = [:]
        var order: [Address] = []
        func ordinal(_ address: Address) -> Int {
            if let known = ordinals[address] { return known }
            ordinals[address] = order.count
            order.append(address)
            return order.count - 1
        }
        // Assign ordinals in trace order first, so renaming does not depend on signing.
        for row in trace.rows {
            _ = ordinal(row.sender)
            _ = ordinal(row.recipient)
            if let token = row.token { _ = ordinal(token) }
        }
        let mapped = book.signed ? book.addresses(count: order.count) : order
        func map(_ address: Address) -> Address { mapped[ordinals[address]!] }

        var senderSet: Set<Int> = []
        var holderSet: Set<[Int]> = []
        blocks = trace.blocks.map { rows in
            rows.map { row in
                let sender = ordinals[row.sender]!
                senderSet.insert(sender)
                let payload: BuiltinPayload
                var intrinsicGas = BuiltinTransactionLogic.Gas.transfer
                switch row.kind {
                case .ethTransfer:
                    payload = .transfer(to: map(row.recipient), amount: row.valueWei)
                case .erc20Transfer:
                    holderSet.insert([ordinals[row.token!]!, sender])
                    payload = .tokenTransfer(token: map(row.token!), to: map(row.recipient), amount: row.amount)
                    intrinsicGas = BuiltinTransactionLogic.Gas.tokenTransfer
                case .contractCall:
                    let gas = row.gasUsed ?? row.gasLimit
                    let rounds = UInt32(gas > 21_000 ? (gas - 21_000) / BuiltinTransactionLogic.gasPerComputeRound : 0)
                    payload = .compute(contract: map(row.recipient), value: row.valueWei, rounds: rounds)
                    intrinsicGas = BuiltinTransactionLogic.Gas.computeBase + UInt64(rounds) * BuiltinTransactionLogic.gasPerComputeRound
                case .create:
                    payload = .createAccount(address: map(row.recipient), value: row.valueWei)
                    intrinsicGas = BuiltinTransactionLogic.Gas.createAccount
                }
                // Our gas schedule is not the EVM's: never let the mapping itself make a transaction run out.
                return Entry(sender: sender, payload: payload, gasLimit: max(row.gasLimit, intrinsicGas))
            }
        }
        senders = senderSet.sorted().map { mapped[$0] }
        tokenHolders = holderSet.sorted { $0.lexicographicallyPrecedes($1) }.map { (mapped[$0[0]], mapped[$0[1]]) }
        self.mappedAddresses = mapped
    }

    /// The address each ordinal maps to.
    let mappedAddresses: [Address]

    func genesis() -> [(StateKey, StateValue)] {
        senders.map { (StateKey.account($0), StateValue.account(Account(balance: Self.genesisBalance))) }
            + tokenHolders.map { (StateKey.tokenBalance(token: $0.token, holder: $0.holder), StateValue.amount(Self.genesisTokenBalance)) }
    }
}
