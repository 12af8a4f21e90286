import TakeoffCore

/// The built-in chain's payloads: transfers, tokens, a constant-product pool, counters, compute calls and
/// account creation, behind ``BuiltinChainRules``.
///
/// State layout:
/// - native balances and nonces under `StateKey/account(_:)`;
/// - token balances under `StateKey/tokenBalance(token:holder:)`; a token's minter (an address) in slot 0
///   of the token's address and its total supply in slot 1;
/// - a pool's two tokens (addresses) in slots 0 and 1 of the pool's address; its reserves are its own token
///   balances;
/// - a counter's value in slot 0 of the counter's address;
/// - a compute contract's state word in slot 0 and its call count in slot 1.
public struct BuiltinTransactionLogic: TransactionLogic {
    /// Gas charged for each kind (compute calls add ``gasPerComputeRound`` per round).
    public enum Gas {
        public static let transfer: UInt64 = 21_000
        public static let tokenTransfer: UInt64 = 50_000
        public static let tokenMint: UInt64 = 50_000
        public static let swap: UInt64 = 100_000
        public static let counterIncrement: UInt64 = 30_000
        public static let computeBase: UInt64 = 21_000
        public static let createAccount: UInt64 = 53_000
    }

    /// Gas per SHA-256 round of a compute call.
    public static let gasPerComputeRound: UInt64 = 1_000

    /// The slot holding a token's minter.
    public static let minterSlot: UInt64 = 0
    /// The slot holding a token's total supply.
    public static let supplySlot: UInt64 = 1

    /// The built-in envelope: Ed25519, account nonces, fees to the block's fee collector.
    public let rules = BuiltinChainRules()

    /// What runs contract payloads, or nil: they then fail with `noContractHost`.
    public let contracts: (any ContractHost)?

    /// Creates the logic; `contracts` runs the contract payloads.
    public init(contracts: (any ContractHost)? = nil) {
        self.contracts = contracts
    }

    /// The address of the contract that `deployer` deploys with its transaction of nonce `nonce`: the last 20
    /// bytes of SHA-256 over a domain tag, the deployer and the nonce.
    public static func contractAddress(deployer: Address, nonce: UInt64) -> Address {
        var writer = ByteWriter()
        writer.write(raw: Array("takeoff.contract".utf8))
        writer.write(deployer)
        writer.write(nonce)
        let digest = Hash32.sha256(writer.bytes)
        var reader = ByteReader(Array(digest.bytes[12..<32]))
        // 20 bytes were just sliced off a 32-byte digest; reading them cannot fail.
        return try! reader.readAddress()
    }

    public func execute(
        _ transaction: BuiltinTransaction, in block: BlockContext, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> PayloadOutcome {
        let sender = transaction.sender
        switch transaction.payload {
        case .transfer(let to, let amount):
            return try Self.run(gas: Gas.transfer, limit: transaction.gasLimit) { () throws(ExecutionInterrupted) in
                try Self.moveNative(amount, from: sender, to: to, state: &state)
            }
        case .tokenTransfer(let token, let to, let amount):
            return try Self.run(gas: Gas.tokenTransfer, limit: transaction.gasLimit) { () throws(ExecutionInterrupted) in
                try Self.moveToken(token, amount, from: sender, to: to, state: &state)
            }
        case .tokenMint(let token, let to, let amount):
            return try Self.run(gas: Gas.tokenMint, limit: transaction.gasLimit) { () throws(ExecutionInterrupted) in
                try Self.mint(token, amount, to: to, by: sender, state: &state)
            }
        case .swap(let pool, let tokenIn, let amountIn, let minimumOut):
            return try Self.run(gas: Gas.swap, limit: transaction.gasLimit) { () throws(ExecutionInterrupted) in
                try Self.swap(pool: pool, tokenIn: tokenIn, amountIn: amountIn, minimumOut: minimumOut, trader: sender, state: &state)
            }
        case .counterIncrement(let counter, let amount):
            return try Self.run(gas: Gas.counterIncrement, limit: transaction.gasLimit) { () throws(ExecutionInterrupted) in
                state.credit(.contractSlot(contract: counter, slot: 0), amount)
                return .success
            }
        case .compute(let contract, let value, let rounds):
            let gas = Gas.computeBase + UInt64(rounds) * Self.gasPerComputeRound
            return try Self.run(gas: gas, limit: transaction.gasLimit) { () throws(ExecutionInterrupted) in
                try Self.compute(contract, value: value, rounds: rounds, transaction: transaction, state: &state)
            }
        case .createAccount(let address, let value):
            return try Self.run(gas: Gas.createAccount, limit: transaction.gasLimit) { () throws(ExecutionInterrupted) in
                guard try state.read(.account(address)) == nil else { return .accountExists }
                state.write(.account(address), .account(Account(balance: 0)))
                return try Self.moveNative(value, from: sender, to: address, state: &state)
            }
        case .deployContract(let code, let input):
            guard let contracts else { return .failure(.noContractHost, gasUsed: 0) }
            return try contracts.deploy(
                code: code, input: input, address: Self.contractAddress(deployer: sender, nonce: transaction.nonce),
                sender: sender, gasLimit: transaction.gasLimit, block: block, state: &state)
        case .callContract(let contract, let input):
            guard let contracts else { return .failure(.noContractHost, gasUsed: 0) }
            return try contracts.call(
                contract: contract, input: input, sender: sender, gasLimit: transaction.gasLimit, block: block, state: &state)
        }
    }

    public func conflictKeys(of transaction: BuiltinTransaction) -> [StateKey]? {
        switch transaction.payload {
        case .transfer(let to, _): [.account(to)]
        case .tokenTransfer(let token, let to, _):
            [.tokenBalance(token: token, holder: transaction.sender), .tokenBalance(token: token, holder: to)]
        case .tokenMint(let token, let to, _):
            [.contractSlot(contract: token, slot: Self.supplySlot), .tokenBalance(token: token, holder: to)]
        // A pool's reserves move together: its slot 0 stands for the whole pool.
        case .swap(let pool, _, _, _): [.contractSlot(contract: pool, slot: 0)]
        case .counterIncrement: []
        case .compute(let contract, _, _): [.account(contract), .contractSlot(contract: contract, slot: 0)]
        case .createAccount(let address, _): [.account(address)]
        // What a contract touches is known only while it runs.
        case .deployContract, .callContract: nil
        }
    }

    public func forEachLikelyRead(of transaction: BuiltinTransaction, _ body: (StateKey) -> Void) {
        switch transaction.payload {
        case .transfer(let to, _): body(.account(to))
        case .tokenTransfer(let token, let to, _):
            body(.tokenBalance(token: token, holder: transaction.sender))
            body(.tokenBalance(token: token, holder: to))
        case .callContract(let contract, let input):
            contracts?.forEachLikelyRead(ofCallTo: contract, input: input, sender: transaction.sender, body)
        default: conflictKeys(of: transaction)?.forEach(body)
        }
    }

    /// Checks the gas limit before doing anything, then runs `body`.
    private static func run(
        gas: UInt64, limit: UInt64, _ body: () throws(ExecutionInterrupted) -> ReceiptStatus
    ) throws(ExecutionInterrupted) -> PayloadOutcome {
        guard gas <= limit else { return .failure(.outOfGas, gasUsed: limit) }
        return PayloadOutcome(status: try body(), gasUsed: gas)
    }

    // MARK: - Native balances

    static func moveNative(
        _ amount: UInt128, from sender: Address, to recipient: Address, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> ReceiptStatus {
        guard case .account(var from)? = try state.read(.account(sender)) else { return .insufficientBalance }
        guard from.balance >= amount else { return .insufficientBalance }
        if sender == recipient { return .success }
        var to: Account
        switch try state.read(.account(recipient)) {
        case .none: to = Account(balance: 0)
        case .account(let account)?: to = account
        case .some: return .invalidPayload
        }
        let (credited, overflow) = to.balance.addingReportingOverflow(amount)
        guard !overflow else { return .overflow }
        from.balance -= amount
        to.balance = credited
        state.write(.account(sender), .account(from))
        state.write(.account(recipient), .account(to))
        return .success
    }

    // MARK: - Tokens

    static func tokenBalance(
        _ token: Address, _ holder: Address, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> UInt128? {
        switch try state.read(.tokenBalance(token: token, holder: holder)) {
        case .none: 0
        case .amount(let amount)?: amount
        case .some: nil
        }
    }

    static func moveToken(
        _ token: Address, _ amount: UInt128, from sender: Address, to recipient: Address, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> ReceiptStatus {
        guard let fromBalance = try tokenBalance(token, sender, state: &state) else { return .invalidPayload }
        guard fromBalance >= amount else { return .insufficientBalance }
        if sender == recipient { return .success }
        guard let toBalance = try tokenBalance(token, recipient, state: &state) else { return .invalidPayload }
        let (credited, overflow) = toBalance.addingReportingOverflow(amount)
        guard !overflow else { return .overflow }
        state.write(.tokenBalance(token: token, holder: sender), .amount(fromBalance - amount))
        state.write(.tokenBalance(token: token, holder: recipient), .amount(credited))
        return .success
    }

    static func mint(
        _ token: Address, _ amount: UInt128, to recipient: Address, by sender: Address, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> ReceiptStatus {
        guard case .address(let minter)? = try state.read(.contractSlot(contract: token, slot: minterSlot)),
            minter == sender
        else { return .unauthorized }
        let supplyKey = StateKey.contractSlot(contract: token, slot: supplySlot)
        let supply: UInt128
        switch try state.read(supplyKey) {
        case .none: supply = 0
        case .amount(let amount)?: supply = amount
        case .some: return .invalidPayload
        }
        guard let balance = try tokenBalance(token, recipient, state: &state) else { return .invalidPayload }
        let (newSupply, supplyOverflow) = supply.addingReportingOverflow(amount)
        let (newBalance, balanceOverflow) = balance.addingReportingOverflow(amount)
        guard !supplyOverflow, !balanceOverflow else { return .overflow }
        state.write(supplyKey, .amount(newSupply))
        state.write(.tokenBalance(token: token, holder: recipient), .amount(newBalance))
        return .success
    }

    // MARK: - Constant-product pool

    /// The output of a constant-product swap with a 0.3% fee: `reserveOut * in * 997 / (reserveIn * 1000 +
    /// in * 997)`, computed in 256 bits; `nil` when an intermediate term passes 2^128.
    static func swapOutput(amountIn: UInt128, reserveIn: UInt128, reserveOut: UInt128) -> UInt128? {
        let (inWithFee, feeOverflow) = amountIn.multipliedReportingOverflow(by: 997)
        let (scaledReserve, reserveOverflow) = reserveIn.multipliedReportingOverflow(by: 1000)
        guard !feeOverflow, !reserveOverflow else { return nil }
        let (denominator, sumOverflow) = scaledReserve.addingReportingOverflow(inWithFee)
        guard !sumOverflow, denominator > 0 else { return nil }
        let numerator = inWithFee.multipliedFullWidth(by: reserveOut)
        // The quotient is below reserveOut, so it fits in 128 bits and the division cannot trap.
        return denominator.dividingFullWidth(numerator).quotient
    }

    static func swap(
        pool: Address, tokenIn: Address, amountIn: UInt128, minimumOut: UInt128, trader: Address, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> ReceiptStatus {
        guard case .address(let tokenA)? = try state.read(.contractSlot(contract: pool, slot: 0)),
            case .address(let tokenB)? = try state.read(.contractSlot(contract: pool, slot: 1)),
            tokenIn == tokenA || tokenIn == tokenB, amountIn > 0, trader != pool
        else { return .invalidPayload }
        let tokenOut = tokenIn == tokenA ? tokenB : tokenA
        guard let traderIn = try tokenBalance(tokenIn, trader, state: &state),
            let traderOut = try tokenBalance(tokenOut, trader, state: &state),
            let reserveIn = try tokenBalance(tokenIn, pool, state: &state),
            let reserveOut = try tokenBalance(tokenOut, pool, state: &state)
        else { return .invalidPayload }
        guard traderIn >= amountIn else { return .insufficientBalance }
        guard let amountOut = swapOutput(amountIn: amountIn, reserveIn: reserveIn, reserveOut: reserveOut) else {
            return .overflow
        }
        guard amountOut > 0, amountOut >= minimumOut else { return .slippage }
        let (newReserveIn, reserveOverflow) = reserveIn.addingReportingOverflow(amountIn)
        let (newTraderOut, traderOverflow) = traderOut.addingReportingOverflow(amountOut)
        guard !reserveOverflow, !traderOverflow else { return .overflow }
        state.write(.tokenBalance(token: tokenIn, holder: trader), .amount(traderIn - amountIn))
        state.write(.tokenBalance(token: tokenIn, holder: pool), .amount(newReserveIn))
        state.write(.tokenBalance(token: tokenOut, holder: pool), .amount(reserveOut - amountOut))
        state.write(.tokenBalance(token: tokenOut, holder: trader), .amount(newTraderOut))
        return .success
    }

    // MARK: - Compute calls

    static func compute(
        _ contract: Address, value: UInt128, rounds: UInt32, transaction: BuiltinTransaction, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> ReceiptStatus {
        let paid = try moveNative(value, from: transaction.sender, to: contract, state: &state)
        guard paid == .success else { return paid }
        let wordKey = StateKey.contractSlot(contract: contract, slot: 0)
        let previous: Hash32
        switch try state.read(wordKey) {
        case .none: previous = .zero
        case .word(let word)?: previous = word
        case .some: return .invalidPayload
        }
        var writer = ByteWriter(capacity: 64)
        writer.write(previous)
        writer.write(transaction.sender)
        writer.write(transaction.nonce)
        state.write(wordKey, .word(DeterministicWork.chain(seed: writer.bytes, rounds: Int(rounds))))
        state.credit(.contractSlot(contract: contract, slot: 1), 1)
        return .success
    }
}
