import Takeoff
import TakeoffWorkloads

/// Small, hostile blocks for differential tests: few accounts (heavy contention), failures of every kind,
/// amounts near 2^128, accounts created and then used within the block, the fee collector spending its
/// own fees mid-block, credits read back, nonces out of order.
struct AdversarialBlocks {
    static let collector = Address(space: 0xFEE, index: 0)
    static let accounts = (0..<8).map { Address(space: 0xAD, index: UInt64($0)) }
    static let rich = Address(space: 0xAD, index: 100)  // holds almost 2^128: credits to it overflow
    static let token = Address(space: 0xAE, index: 0)
    static let pool = Address(space: 0xAE, index: 1)
    static let otherToken = Address(space: 0xAE, index: 2)
    static let counter = Address(space: 0xAE, index: 3)
    static let contract = Address(space: 0xAE, index: 4)

    /// The state every block starts from.
    static var genesis: InMemoryState {
        var entries: [StateKey: StateValue] = [:]
        for account in accounts {
            entries[.account(account)] = .account(Account(balance: 1_000_000))
            entries[.tokenBalance(token: token, holder: account)] = .amount(10_000)
            entries[.tokenBalance(token: otherToken, holder: account)] = .amount(10_000)
        }
        entries[.account(rich)] = .account(Account(balance: UInt128.max - 500))
        entries[.account(collector)] = .account(Account(balance: 5))
        entries[.contractSlot(contract: token, slot: BuiltinTransactionLogic.minterSlot)] = .address(accounts[0])
        entries[.contractSlot(contract: pool, slot: 0)] = .address(token)
        entries[.contractSlot(contract: pool, slot: 1)] = .address(otherToken)
        entries[.tokenBalance(token: token, holder: pool)] = .amount(50_000)
        entries[.tokenBalance(token: otherToken, holder: pool)] = .amount(50_000)
        return InMemoryState(entries)
    }

    private var random: SeededGenerator
    private var nonces: [Address: UInt64] = [:]
    private var fresh: [Address] = []
    private var freshCount: UInt64 = 0

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    /// A block of `size` transactions.
    mutating func block(size: Int) -> [BuiltinTransaction] { (0..<size).map { _ in next() } }

    private mutating func pick() -> Address { Self.accounts[random.index(below: Self.accounts.count)] }

    private mutating func amount() -> UInt128 {
        switch random.index(below: 10) {
        case 0: UInt128.max - UInt128(random.index(below: 1_000))  // overflows or insufficient
        case 1: 2_000_000  // more than anyone holds
        default: UInt128(random.index(below: 5_000))
        }
    }

    private mutating func transaction(from sender: Address, _ payload: BuiltinPayload, gas: UInt64 = 200_000) -> BuiltinTransaction {
        let unpayable = random.index(below: 15) == 0  // more than any sender ever holds
        let fee = UInt128(unpayable ? 2_000_000 : random.index(below: 50))
        var nonce = nonces[sender, default: 0]
        if random.index(below: 20) == 0 {
            nonce += 1  // a wrong nonce now and then
        } else if !unpayable {
            nonces[sender] = nonce + 1  // envelope failures leave the nonce as it was
        }
        return BuiltinTransaction(sender: sender, nonce: nonce, fee: fee, gasLimit: gas, payload: payload)
    }

    private mutating func next() -> BuiltinTransaction {
        switch random.index(below: 16) {
        case 0:  // create an account that later transactions fund and spend from
            freshCount += 1
            let address = Address(space: 0xAF, index: random.next() % 1_000_000 &* 64 &+ freshCount)
            fresh.append(address)
            return transaction(from: pick(), .createAccount(address: address, value: UInt128(random.index(below: 3_000))))
        case 1 where !fresh.isEmpty:  // spend from an account created earlier in the block
            let sender = fresh[random.index(below: fresh.count)]
            return transaction(from: sender, .transfer(to: pick(), amount: UInt128(random.index(below: 100))))
        case 2:  // the fee collector spends what it collected so far: reads materialize the credits
            return transaction(from: Self.collector, .transfer(to: pick(), amount: UInt128(random.index(below: 200))))
        case 3:
            return transaction(from: pick(), .transfer(to: Self.rich, amount: amount()))
        case 4:
            return transaction(from: pick(), .tokenTransfer(token: Self.token, to: pick(), amount: amount()))
        case 5:
            let tokenIn = random.index(below: 2) == 0 ? Self.token : Self.otherToken
            return transaction(from: pick(), .swap(pool: Self.pool, tokenIn: tokenIn, amountIn: UInt128(random.index(below: 3_000)), minimumOut: UInt128(random.index(below: 50))))
        case 6:
            return transaction(from: Self.accounts[random.index(below: 2)], .tokenMint(token: Self.token, to: pick(), amount: amount()))
        case 7:
            return transaction(from: pick(), .counterIncrement(counter: Self.counter, amount: amount()))
        case 8:
            return transaction(from: pick(), .compute(contract: Self.contract, value: UInt128(random.index(below: 10)), rounds: UInt32(random.index(below: 4))), gas: random.index(below: 4) == 0 ? 22_000 : 200_000)
        case 9:  // a compute contract's call count is a credit; its state word a read-modify-write
            return transaction(from: pick(), .compute(contract: Self.counter, value: 0, rounds: 1))
        case 10:  // a token the pool does not trade
            return transaction(from: pick(), .swap(pool: Self.pool, tokenIn: Self.counter, amountIn: 5, minimumOut: 0))
        default:
            return transaction(from: pick(), .transfer(to: pick(), amount: amount()))
        }
    }
}
