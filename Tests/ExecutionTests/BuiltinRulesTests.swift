import Testing
@testable import Takeoff
@testable import TakeoffBuiltinChain
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

@Suite struct BuiltinRulesTests {
    static let alice = Address(space: 1, index: 1)
    static let bob = Address(space: 1, index: 2)
    static let minter = Address(space: 1, index: 3)
    static let token = Address(space: 2, index: 1)
    static let otherToken = Address(space: 2, index: 2)
    static let pool = Address(space: 3, index: 1)
    static let contract = Address(space: 4, index: 1)
    static let collector = ExecutionHarness.collector

    static func transaction(
        from sender: Address = alice, nonce: UInt64 = 0, fee: UInt128 = 10, gas: UInt64 = 200_000, _ payload: BuiltinPayload
    ) -> BuiltinTransaction {
        BuiltinTransaction(sender: sender, nonce: nonce, fee: fee, gasLimit: gas, payload: payload)
    }

    static func harness(aliceBalance: UInt128 = 1_000, bobBalance: UInt128 = 0) -> ExecutionHarness {
        ExecutionHarness([
            .account(alice): .account(Account(balance: aliceBalance)),
            .account(bob): .account(Account(balance: bobBalance)),
            .account(minter): .account(Account(balance: 1_000)),
            .tokenBalance(token: token, holder: alice): .amount(500),
            .contractSlot(contract: token, slot: BuiltinTransactionLogic.minterSlot): .address(minter),
            .contractSlot(contract: token, slot: BuiltinTransactionLogic.supplySlot): .amount(500),
            .contractSlot(contract: pool, slot: 0): .address(token),
            .contractSlot(contract: pool, slot: 1): .address(otherToken),
            .tokenBalance(token: token, holder: pool): .amount(10_000),
            .tokenBalance(token: otherToken, holder: pool): .amount(20_000),
        ])
    }

    // MARK: - Envelope

    @Test func transferMovesValueChargesFeeAndBumpsNonce() throws {
        var harness = Self.harness()
        let receipt = try harness.receipt(Self.transaction(.transfer(to: Self.bob, amount: 300)))
        #expect(receipt == Receipt(status: .success, gasUsed: 21_000, feePaid: 10))
        #expect(harness.account(Self.alice) == Account(balance: 690, nonce: 1))
        #expect(harness.account(Self.bob) == Account(balance: 300))
        #expect(harness.account(Self.collector) == Account(balance: 10))
    }

    @Test func badNonceAndMissingSenderChargeNothing() throws {
        var harness = Self.harness()
        let before = harness.state
        #expect(try harness.receipt(Self.transaction(nonce: 1, .transfer(to: Self.bob, amount: 1))).status == .badNonce)
        let stranger = Address(space: 9, index: 9)
        #expect(try harness.receipt(Self.transaction(from: stranger, .transfer(to: Self.bob, amount: 1))).status == .badNonce)
        #expect(harness.state.entries == before.entries)
    }

    @Test func aFeeAboveTheBalanceChargesNothing() throws {
        var harness = Self.harness()
        let receipt = try harness.receipt(Self.transaction(fee: 1_001, .transfer(to: Self.bob, amount: 1)))
        #expect(receipt == Receipt(status: .insufficientFee, gasUsed: 0, feePaid: 0))
        #expect(harness.account(Self.alice) == Account(balance: 1_000))
    }

    @Test func badSignaturesChargeNothingWhenChecked() throws {
        var harness = Self.harness()
        harness.options = ExecutionOptions(verifySignatures: true)
        let receipt = try harness.receipt(Self.transaction(.transfer(to: Self.bob, amount: 1)))
        #expect(receipt == Receipt(status: .badSignature, gasUsed: 0, feePaid: 0))
        #expect(harness.account(Self.alice) == Account(balance: 1_000))
    }

    @Test func insufficientBalanceKeepsTheFeeAndNonceButNotTheTransfer() throws {
        var harness = Self.harness()
        let receipt = try harness.receipt(Self.transaction(.transfer(to: Self.bob, amount: 991)))
        #expect(receipt == Receipt(status: .insufficientBalance, gasUsed: 21_000, feePaid: 10))
        #expect(harness.account(Self.alice) == Account(balance: 990, nonce: 1))
        #expect(harness.account(Self.bob) == Account(balance: 0))
        #expect(harness.account(Self.collector) == Account(balance: 10))
    }

    @Test func outOfGasChargesTheFeeAndUsesTheWholeLimit() throws {
        var harness = Self.harness()
        let receipt = try harness.receipt(Self.transaction(gas: 20_999, .transfer(to: Self.bob, amount: 1)))
        #expect(receipt == Receipt(status: .outOfGas, gasUsed: 20_999, feePaid: 10))
        #expect(harness.account(Self.alice) == Account(balance: 990, nonce: 1))
    }

    // MARK: - Amounts near 2^128

    @Test func creditingPast128BitsIsAnOverflowFailure() throws {
        let nearMax = UInt128.max - 5
        var harness = Self.harness(aliceBalance: 1_000, bobBalance: nearMax)
        let receipt = try harness.receipt(Self.transaction(.transfer(to: Self.bob, amount: 6)))
        #expect(receipt.status == .overflow)
        #expect(harness.account(Self.bob)?.balance == nearMax)
        #expect(try harness.receipt(Self.transaction(nonce: 1, .transfer(to: Self.bob, amount: 5))).status == .success)
        #expect(harness.account(Self.bob)?.balance == UInt128.max)
    }

    @Test func hugeBalancesMoveExactly() throws {
        var harness = Self.harness(aliceBalance: .max)
        let receipt = try harness.receipt(Self.transaction(.transfer(to: Self.bob, amount: .max - 10)))
        #expect(receipt.status == .success)
        #expect(harness.account(Self.bob)?.balance == UInt128.max - 10)
        #expect(harness.account(Self.alice)?.balance == 0)
    }

    @Test func feeCreditsSaturateInsteadOfFailing() throws {
        var harness = Self.harness()
        harness.state.entries[.account(Self.collector)] = .account(Account(balance: .max - 3))
        #expect(try harness.receipt(Self.transaction(.transfer(to: Self.bob, amount: 1))).status == .success)
        #expect(harness.account(Self.collector)?.balance == UInt128.max)
    }

    // MARK: - Tokens

    @Test func tokenTransferRules() throws {
        var harness = Self.harness()
        #expect(try harness.receipt(Self.transaction(.tokenTransfer(token: Self.token, to: Self.bob, amount: 200))).status == .success)
        #expect(harness.amount(.tokenBalance(token: Self.token, holder: Self.alice)) == 300)
        #expect(harness.amount(.tokenBalance(token: Self.token, holder: Self.bob)) == 200)
        #expect(try harness.receipt(Self.transaction(nonce: 1, .tokenTransfer(token: Self.token, to: Self.bob, amount: 301))).status == .insufficientBalance)
        harness.state.entries[.tokenBalance(token: Self.token, holder: Self.bob)] = .amount(.max)
        #expect(try harness.receipt(Self.transaction(nonce: 2, .tokenTransfer(token: Self.token, to: Self.bob, amount: 1))).status == .overflow)
        #expect(harness.amount(.tokenBalance(token: Self.token, holder: Self.alice)) == 300)
    }

    @Test func onlyTheMinterMintsAndSupplyIsChecked() throws {
        var harness = Self.harness()
        #expect(try harness.receipt(Self.transaction(.tokenMint(token: Self.token, to: Self.alice, amount: 5))).status == .unauthorized)
        let mint = Self.transaction(from: Self.minter, .tokenMint(token: Self.token, to: Self.bob, amount: 70))
        #expect(try harness.receipt(mint).status == .success)
        #expect(harness.amount(.tokenBalance(token: Self.token, holder: Self.bob)) == 70)
        #expect(harness.amount(.contractSlot(contract: Self.token, slot: BuiltinTransactionLogic.supplySlot)) == 570)
        let tooMuch = Self.transaction(from: Self.minter, nonce: 1, .tokenMint(token: Self.token, to: Self.bob, amount: .max - 100))
        #expect(try harness.receipt(tooMuch).status == .overflow)
        #expect(harness.amount(.contractSlot(contract: Self.token, slot: BuiltinTransactionLogic.supplySlot)) == 570)
    }

    // MARK: - Swaps

    @Test func swapFollowsTheConstantProductFormula() throws {
        var harness = Self.harness()
        let receipt = try harness.receipt(Self.transaction(.swap(pool: Self.pool, tokenIn: Self.token, amountIn: 100, minimumOut: 1)))
        #expect(receipt.status == .success)
        // 20000 * 100 * 997 / (10000 * 1000 + 100 * 997) = 197.4... -> 197
        #expect(harness.amount(.tokenBalance(token: Self.otherToken, holder: Self.alice)) == 197)
        #expect(harness.amount(.tokenBalance(token: Self.token, holder: Self.alice)) == 400)
        #expect(harness.amount(.tokenBalance(token: Self.token, holder: Self.pool)) == 10_100)
        #expect(harness.amount(.tokenBalance(token: Self.otherToken, holder: Self.pool)) == 19_803)
    }

    @Test func swapFailures() throws {
        var harness = Self.harness()
        let slippage = Self.transaction(.swap(pool: Self.pool, tokenIn: Self.token, amountIn: 100, minimumOut: 198))
        #expect(try harness.receipt(slippage).status == .slippage)
        let unknownToken = Self.transaction(nonce: 1, .swap(pool: Self.pool, tokenIn: Self.contract, amountIn: 1, minimumOut: 0))
        #expect(try harness.receipt(unknownToken).status == .invalidPayload)
        let noPool = Self.transaction(nonce: 2, .swap(pool: Self.contract, tokenIn: Self.token, amountIn: 1, minimumOut: 0))
        #expect(try harness.receipt(noPool).status == .invalidPayload)
        let tooMuch = Self.transaction(nonce: 3, .swap(pool: Self.pool, tokenIn: Self.token, amountIn: 501, minimumOut: 0))
        #expect(try harness.receipt(tooMuch).status == .insufficientBalance)
        #expect(harness.amount(.tokenBalance(token: Self.token, holder: Self.pool)) == 10_000)
        #expect(harness.account(Self.alice)?.nonce == 4)
    }

    @Test func swapArithmeticNear128BitsReportsOverflow() {
        #expect(BuiltinTransactionLogic.swapOutput(amountIn: .max / 500, reserveIn: 1, reserveOut: 1) == nil)
        #expect(BuiltinTransactionLogic.swapOutput(amountIn: 1, reserveIn: .max / 100, reserveOut: 1) == nil)
        // A full-width product that only fits in 256 bits still divides exactly.
        let out = BuiltinTransactionLogic.swapOutput(amountIn: 1 << 100, reserveIn: 1 << 100, reserveOut: 1 << 120)
        #expect(out == 663_615_579_267_682_085_771_204_626_489_486_000)  // floor(2^120 * 997 / 1997)
    }

    // MARK: - Counters, compute calls, account creation

    @Test func counterIncrementsAreCredits() throws {
        var harness = Self.harness()
        let key = StateKey.contractSlot(contract: Self.contract, slot: 0)
        let block = try harness.run((0..<5).map { Self.transaction(nonce: UInt64($0), .counterIncrement(counter: Self.contract, amount: 2)) })
        #expect(block.receipts.allSatisfy { $0.status.isSuccess })
        #expect(harness.amount(key) == 10)
    }

    @Test func computeCallsChargeGasPerRoundAndChainTheirWord() throws {
        var harness = Self.harness()
        let gas = BuiltinTransactionLogic.Gas.computeBase + 5 * BuiltinTransactionLogic.gasPerComputeRound
        let call = Self.transaction(gas: gas, .compute(contract: Self.contract, value: 7, rounds: 5))
        #expect(try harness.receipt(call) == Receipt(status: .success, gasUsed: gas, feePaid: 10))
        guard case .word(let word)? = harness.state.value(for: .contractSlot(contract: Self.contract, slot: 0)) else {
            Issue.record("no state word")
            return
        }
        var seed = ByteWriter()
        seed.write(Hash32.zero)
        seed.write(Self.alice)
        seed.write(UInt64(0))
        #expect(word == DeterministicWork.chain(seed: seed.bytes, rounds: 5))
        #expect(harness.amount(.contractSlot(contract: Self.contract, slot: 1)) == 1)
        #expect(harness.account(Self.contract)?.balance == 7)
        let starved = Self.transaction(nonce: 1, gas: gas - 1, .compute(contract: Self.contract, value: 0, rounds: 5))
        #expect(try harness.receipt(starved).status == .outOfGas)
        #expect(harness.amount(.contractSlot(contract: Self.contract, slot: 1)) == 1)
    }

    @Test func createAccountRules() throws {
        var harness = Self.harness()
        let fresh = Address(space: 8, index: 1)
        #expect(try harness.receipt(Self.transaction(.createAccount(address: fresh, value: 100))).status == .success)
        #expect(harness.account(fresh) == Account(balance: 100))
        #expect(try harness.receipt(Self.transaction(nonce: 1, .createAccount(address: Self.bob, value: 1))).status == .accountExists)
        let broke = Address(space: 8, index: 2)
        #expect(try harness.receipt(Self.transaction(nonce: 2, .createAccount(address: broke, value: 10_000))).status == .insufficientBalance)
        #expect(harness.account(broke) == nil)
    }
}
