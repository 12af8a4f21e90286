import Testing
import Takeoff
@testable import TakeoffWasm
import TakeoffWorkloads
import WAT

/// WebAssembly contracts on the built-in chain: the example token and pool do what their sources say, and
/// every block, hostile contracts included, is identical on the sequential and the parallel path.
@Suite struct ContractTests {
    static let host = WasmContractHost()
    static let logic = BuiltinTransactionLogic(contracts: host)
    static let harness = DifferentialHarness(logic: logic)
    static let people = (0..<4).map { Address(space: 0xA11, index: UInt64($0)) }
    static let collector = Address(space: 0xFEE, index: 0)
    static let fee: UInt128 = 1_000

    /// Blocks over a state, each checked parallel against sequential before it is applied.
    struct Chain {
        var state: InMemoryState
        var head: StoreHead
        var nonces: [Address: UInt64] = [:]

        init(extra: [(StateKey, StateValue)] = []) {
            var entries = Dictionary(uniqueKeysWithValues: ContractTests.people.map {
                (StateKey.account($0), StateValue.account(Account(balance: 1 << 80)))
            })
            for (key, value) in extra { entries[key] = value }
            state = InMemoryState(entries)
            head = state.genesis.head
        }

        /// A transaction from `sender` with its next nonce.
        mutating func transaction(_ sender: Address, _ payload: BuiltinPayload, gasLimit: UInt64 = 1_000_000) -> BuiltinTransaction {
            let nonce = nonces[sender, default: 0]
            nonces[sender] = nonce + 1
            return BuiltinTransaction(sender: sender, nonce: nonce, fee: ContractTests.fee, gasLimit: gasLimit, payload: payload)
        }

        /// Runs `transactions` as the next block on both paths (they must agree) and applies it.
        @discardableResult
        mutating func run(_ transactions: [BuiltinTransaction], _ label: String) throws -> [Receipt] {
            let context = BlockContext(number: head.block + 1, timestamp: 0, feeCollector: ContractTests.collector)
            let executed = try ContractTests.harness.check(transactions, context: context, parent: head, state: state, label: label)
            state.apply(executed.changeSet)
            head = executed.head
            return executed.receipts
        }

        /// Deploys `code` from `sender` in a block of its own; the contract's address and the receipt.
        mutating func deploy(_ code: [UInt8], input: [UInt8] = [], from sender: Address = ContractTests.people[0], _ label: String) throws
            -> (Address, Receipt)
        {
            let nonce = nonces[sender, default: 0]
            let deploy = transaction(sender, .deployContract(code: code, input: input))
            let receipts = try run([deploy], label)
            return (BuiltinTransactionLogic.contractAddress(deployer: sender, nonce: nonce), receipts[0])
        }

        func stored(_ contract: Address, _ key: [UInt8]) -> StateValue? {
            state.value(for: ContractLayout.storage(of: contract, key: key))
        }

        func balance(_ token: Address, _ holder: Address) -> UInt128? {
            stored(token, ContractWorkload.balanceKey(holder))?.amountValue
        }

        func account(_ address: Address) -> Account? {
            if case .account(let account)? = state.value(for: .account(address)) { return account }
            return nil
        }
    }

    static func amount(_ value: UInt128) -> [UInt8] { ContractWorkload.littleEndian(value) }

    /// The event the example token emits when `amount` moves from `from` to `to`.
    static func transferEvent(_ token: Address, from: Address, to: Address, _ amount: UInt128) -> ReceiptEvent {
        ReceiptEvent(
            emitter: token,
            topics: [ContractWorkload.eventTopic("Transfer"), ContractWorkload.addressTopic(from), ContractWorkload.addressTopic(to)],
            data: Self.amount(amount))
    }

    // MARK: - The token

    @Test func theTokenDeploysMovesAndApproves() throws {
        var chain = Chain()
        let (alice, bob, carol) = (Self.people[0], Self.people[1], Self.people[2])
        let (token, deployed) = try chain.deploy(ContractModules.token, input: Self.amount(1_000), "deploy")
        #expect(deployed.status == .success)
        #expect(deployed.events == [Self.transferEvent(token, from: .zero, to: alice, 1_000)])
        #expect(chain.balance(token, alice) == 1_000)
        #expect(chain.state.value(for: ContractLayout.record(of: token)) == .word(Hash32.sha256(ContractModules.token)))

        let block = [
                chain.transaction(alice, .callContract(contract: token, input: [1] + bob.bytes + Self.amount(300))),
                chain.transaction(bob, .callContract(contract: token, input: [1] + carol.bytes + Self.amount(500))),
                chain.transaction(bob, .callContract(contract: token, input: [2] + carol.bytes + Self.amount(100))),
                chain.transaction(carol, .callContract(contract: token, input: [3] + bob.bytes + carol.bytes + Self.amount(60))),
                chain.transaction(carol, .callContract(contract: token, input: [3] + bob.bytes + carol.bytes + Self.amount(60))),
                chain.transaction(carol, .callContract(contract: token, input: [9])),
        ]
        let transfers = try chain.run(block, "transfers")
        #expect(transfers.map(\.status) == [
            .success, .contractReverted, .success, .success, .contractReverted, .contractReverted,
        ])
        // Events only where the call succeeded, in the order the token emitted them.
        let approval = ReceiptEvent(
            emitter: token,
            topics: [ContractWorkload.eventTopic("Approval"), ContractWorkload.addressTopic(bob), ContractWorkload.addressTopic(carol)],
            data: Self.amount(100))
        #expect(transfers.map(\.events) == [
            [Self.transferEvent(token, from: alice, to: bob, 300)], [], [approval],
            [Self.transferEvent(token, from: bob, to: carol, 60)], [], [],
        ])
        #expect(chain.balance(token, alice) == 700)
        #expect(chain.balance(token, bob) == 240)
        #expect(chain.balance(token, carol) == 60)
        // The allowance was spent down by the one transferFrom that went through.
        let allowance = chain.stored(token, ContractWorkload.allowanceKey(owner: bob, spender: carol))
        #expect(allowance == .amount(40))
        // A failed call still pays its fee and bumps its sender's nonce.
        #expect(chain.account(bob)?.nonce == 2)
        #expect(chain.account(bob)?.balance == (1 << 80) - 2 * Self.fee)
        for receipt in transfers {
            #expect(receipt.gasUsed > ContractGas.callBase && receipt.gasUsed < 1_000_000)
            #expect(receipt.feePaid == Self.fee)
        }
    }

    @Test func theSameCallCostsTheSameGasEveryTime() throws {
        var chain = Chain()
        let (token, _) = try chain.deploy(ContractModules.token, input: Self.amount(1_000_000), "deploy")
        let calls = (0..<20).map { _ in
            chain.transaction(Self.people[0], .callContract(contract: token, input: [1] + Self.people[1].bytes + Self.amount(1)))
        }
        let receipts = try chain.run(calls, "repeated transfers")
        #expect(Set(receipts.map(\.gasUsed)).count == 1, "gas used: \(Set(receipts.map(\.gasUsed)))")
        #expect(receipts.allSatisfy { $0.status == .success })
        #expect(chain.balance(token, Self.people[1]) == 20)
    }

    @Test func aCallWithTooLittleGasRunsOutAndChangesNothing() throws {
        var chain = Chain()
        let (token, _) = try chain.deploy(ContractModules.token, input: Self.amount(1_000), "deploy")
        let input = [1] + Self.people[1].bytes + Self.amount(5)
        let block = [
            chain.transaction(Self.people[0], .callContract(contract: token, input: input), gasLimit: 21_000),
            chain.transaction(Self.people[0], .callContract(contract: token, input: input), gasLimit: 22_000),
        ]
        let receipts = try chain.run(block, "short of gas")
        #expect(receipts.map(\.status) == [.outOfGas, .outOfGas])
        #expect(receipts.map(\.gasUsed) == [21_000, 22_000])
        #expect(chain.balance(token, Self.people[0]) == 1_000)
        #expect(chain.balance(token, Self.people[1]) == nil)
    }

    @Test func callingNothingOrWithoutAHostFails() throws {
        var chain = Chain()
        let nowhere = Address(space: 0xDEAD, index: 1)
        let call = chain.transaction(Self.people[0], .callContract(contract: nowhere, input: []))
        let receipts = try chain.run([call], "nowhere")
        #expect(receipts[0].status == .noSuchContract)
        let deploy = chain.transaction(Self.people[0], .deployContract(code: ContractModules.token, input: []))
        let bare = try SequentialExecutor(logic: BuiltinTransactionLogic(), options: Self.harness.options).execute(
            [deploy],
            context: BlockContext(number: chain.head.block + 1, timestamp: 0, feeCollector: Self.collector),
            parent: chain.head, state: chain.state)
        #expect(bare.receipts[0].status == .noContractHost)
    }

    // MARK: - The pool

    @Test func thePoolSwapsThroughTheTokens() throws {
        let holders = Array(Self.people.prefix(2))
        var chain = Chain(extra: ContractWorkload.genesis(holders: holders, pools: 2))
        let (token0, token1) = (ContractWorkload.tokens[0], ContractWorkload.tokens[1])
        let pool = ContractWorkload.pool(0)
        let trader = holders[0]
        let reserve = ContractWorkload.poolReserve
        let block = [
            chain.transaction(trader, ContractWorkload.swap(pool: 0, sellingToken0: true, amount: 1_000_000)),
            chain.transaction(trader, .callContract(contract: pool, input: [2, 0] + Self.amount(1_000) + Self.amount(1 << 40))),
            chain.transaction(holders[1], ContractWorkload.swap(pool: 0, sellingToken0: true, amount: 1_000)),
        ]
        let receipts = try chain.run(block, "swaps")
        // The second swap asks for more than it can get; the third trader's allowance is to pool 1, not pool 0.
        #expect(receipts.map(\.status) == [.success, .contractReverted, .contractReverted])
        let withFee = UInt128(1_000_000 - 3_000)
        let out = reserve * withFee / (reserve + withFee)
        // The tokens' events come first (each call emits as it runs), the pool's last; the failed swaps keep none.
        let swap = ReceiptEvent(
            emitter: pool, topics: [ContractWorkload.eventTopic("Swap"), ContractWorkload.addressTopic(trader)],
            data: [0] + Self.amount(1_000_000) + Self.amount(out))
        #expect(receipts[0].events == [
            Self.transferEvent(token0, from: trader, to: pool, 1_000_000), Self.transferEvent(token1, from: pool, to: trader, out), swap,
        ])
        #expect(receipts[1].events.isEmpty && receipts[2].events.isEmpty)
        #expect(chain.balance(token0, pool) == reserve + 1_000_000)
        #expect(chain.balance(token1, pool) == reserve - out)
        #expect(chain.balance(token0, trader) == ContractWorkload.holderBalance - 1_000_000)
        #expect(chain.balance(token1, trader) == ContractWorkload.holderBalance + out)
        #expect(chain.stored(pool, ContractWorkload.tagKey(4)) == .amount(reserve + 1_000_000))
        #expect(chain.stored(pool, ContractWorkload.tagKey(5)) == .amount(reserve - out))
        #expect(chain.balance(token0, holders[1]) == ContractWorkload.holderBalance)
    }

    @Test func aCallerReadsWhatTheCalleeReturns() throws {
        var chain = Chain()
        let (token, _) = try chain.deploy(ContractModules.token, input: Self.amount(777), "deploy the token")
        // Asks the token for its input's holder's balance and stores the answer under key 0.
        let reader = """
            (module \(Self.imports)
              (import "takeoff" "output_copy" (func $output_copy (param i32)))
              (import "takeoff" "input_size" (func $input_size (result i32)))
              (memory (export "memory") 1 1)
              (func (export "call")
                (call $input_copy (i32.const 100))
                (drop (call $call (i32.const 100) (i32.const 120) (i32.const 21)))
                (call $output_copy (i32.const 200))
                (call $write (i32.const 0) (i32.const 200) (i32.const 16))))
            """
        let (caller, deployed) = try chain.deploy(try wat2wasm(reader), "deploy the reader")
        #expect(deployed.status == .success)
        // input: the token's address, then the token's own input: balanceOf (4) of the holder.
        let call = chain.transaction(
            Self.people[1], .callContract(contract: caller, input: token.bytes + [4] + Self.people[0].bytes))
        let receipts = try chain.run([call], "balanceOf through a call")
        #expect(receipts[0].status == .success)
        #expect(chain.stored(caller, [UInt8](repeating: 0, count: 32)) == .bytes(Self.amount(777)))
    }

    // MARK: - Hostile contracts

    /// Deploys `source` and calls it `calls` times in one block; the call receipts.
    static func deployAndCall(_ source: String, calls: Int = 1, gasLimit: UInt64 = 2_000_000, _ label: String) throws
        -> (chain: Chain, contract: Address, receipts: [Receipt])
    {
        var chain = Chain()
        let (contract, deployed) = try chain.deploy(try wat2wasm(source), label)
        #expect(deployed.status == .success, "\(label): the deploy failed with \(deployed.status)")
        let block = (0..<calls).map { _ in
            chain.transaction(people[0], .callContract(contract: contract, input: []), gasLimit: gasLimit)
        }
        let receipts = try chain.run(block, label)
        return (chain, contract, receipts)
    }

    static let imports = """
        (import "takeoff" "write" (func $write (param i32 i32 i32)))
        (import "takeoff" "return" (func $return (param i32 i32)))
        (import "takeoff" "call" (func $call (param i32 i32 i32) (result i32)))
        (import "takeoff" "self_address" (func $self (param i32)))
        (import "takeoff" "read" (func $read (param i32 i32 i32) (result i32)))
        (import "takeoff" "input_copy" (func $input_copy (param i32)))
        """

    @Test func anInfiniteLoopRunsOutOfGas() throws {
        let (chain, _, receipts) = try Self.deployAndCall(
            "(module (memory (export \"memory\") 1 1) (func (export \"call\") (loop $forever (br $forever))))",
            calls: 2, gasLimit: 500_000, "infinite loop")
        #expect(receipts.map(\.status) == [.outOfGas, .outOfGas])
        #expect(receipts.map(\.gasUsed) == [500_000, 500_000])
        #expect(chain.account(Self.people[0])?.nonce == 3)
    }

    @Test func deepRecursionTraps() throws {
        let (_, _, receipts) = try Self.deployAndCall(
            "(module (memory (export \"memory\") 1 1) (func $down (call $down)) (func (export \"call\") (call $down)))",
            gasLimit: 50_000_000, "deep recursion")
        #expect(receipts[0].status == .contractTrapped)
        #expect(receipts[0].gasUsed < 50_000_000)
    }

    @Test func memoryGrowsOnlyToItsMaximumAndStartsFreshEachCall() throws {
        // Grows by a page (allowed, to 2), then by another (refused: -1), storing both answers and the size.
        let source = """
            (module \(Self.imports)
              (memory (export "memory") 1 2)
              (func (export "call")
                (i32.store (i32.const 100) (memory.grow (i32.const 1)))
                (i32.store (i32.const 104) (memory.grow (i32.const 1)))
                (i32.store (i32.const 108) (memory.size))
                (call $write (i32.const 0) (i32.const 100) (i32.const 12))))
            """
        let (chain, contract, receipts) = try Self.deployAndCall(source, calls: 3, "memory growth")
        #expect(receipts.allSatisfy { $0.status == .success })
        // Every call found one page: the grown instance was not reused.
        let stored = chain.stored(contract, [UInt8](repeating: 0, count: 32))
        #expect(stored == .bytes([1, 0, 0, 0, 255, 255, 255, 255, 2, 0, 0, 0]))
    }

    @Test func eventsAreBoundedAndDroppedWithAFailure() throws {
        // Emits as its input says: a count (16 bits), a topic count, a data length (32 bits), whether to revert after.
        let source = """
            (module
              (import "takeoff" "input_copy" (func $input_copy (param i32)))
              (import "takeoff" "emit" (func $emit (param i32 i32 i32 i32)))
              (import "takeoff" "revert" (func $revert (param i32)))
              (memory (export "memory") 1 1)
              (func (export "call") (local $left i32)
                (call $input_copy (i32.const 0))
                (local.set $left (i32.load16_u (i32.const 0)))
                (i32.store8 (i32.const 1024) (i32.const 7))
                (i32.store8 (i32.const 2048) (i32.const 42))
                (block $done (loop $next
                  (br_if $done (i32.eqz (local.get $left)))
                  (call $emit (i32.const 1024) (i32.load8_u (i32.const 2)) (i32.const 2048) (i32.load (i32.const 3)))
                  (local.set $left (i32.sub (local.get $left) (i32.const 1)))
                  (br $next)))
                (if (i32.load8_u (i32.const 7)) (then (call $revert (i32.const 9))))))
            """
        var chain = Chain()
        let (contract, deployed) = try chain.deploy(try wat2wasm(source), "emitter")
        #expect(deployed.status == .success)
        func input(count: UInt16, topics: UInt8, length: UInt32, revert: Bool = false) -> [UInt8] {
            withUnsafeBytes(of: count.littleEndian, Array.init) + [topics] + withUnsafeBytes(of: length.littleEndian, Array.init)
                + [revert ? 1 : 0]
        }
        let cases: [(input: [UInt8], status: ReceiptStatus, events: Int)] = [
            (input(count: 1, topics: 1, length: 1), .success, 1),
            (input(count: UInt16(Receipt.maximumEvents), topics: 4, length: 0), .success, Receipt.maximumEvents),
            (input(count: UInt16(Receipt.maximumEvents) + 1, topics: 0, length: 0), .contractTrapped, 0),
            (input(count: 1, topics: 5, length: 0), .contractTrapped, 0),
            (input(count: 1, topics: 0, length: UInt32(ReceiptEvent.maximumDataSize)), .success, 1),
            (input(count: 1, topics: 0, length: UInt32(ReceiptEvent.maximumDataSize) + 1), .contractTrapped, 0),
            (input(count: 1, topics: 0, length: 65_000), .contractTrapped, 0),
            (input(count: 3, topics: 2, length: 8, revert: true), .contractReverted, 0),
        ]
        let block = cases.map { chain.transaction(Self.people[1], .callContract(contract: contract, input: $0.input), gasLimit: 5_000_000) }
        let receipts = try chain.run(block, "events at and past their limits")
        #expect(receipts.map(\.status) == cases.map(\.status))
        #expect(receipts.map(\.events.count) == cases.map(\.events))
        let first = try #require(receipts.first?.events.first)
        #expect(first.emitter == contract)
        #expect(first.topics == [try Hash32(bytes: [7] + [UInt8](repeating: 0, count: 31))])
        #expect(first.data == [42])
        // A receipt with events encodes as version 3 and reads back whole; one without stays version 2.
        for receipt in receipts {
            #expect(receipt.encoded.first == (receipt.events.isEmpty ? Receipt.formatVersion : Receipt.formatVersionWithEvents))
            #expect(try Receipt(encoded: receipt.encoded) == receipt)
        }
    }

    @Test func memoryAndGlobalsAreResetBetweenTransactions() throws {
        // Counts its calls in memory and in an exported mutable global: if either survived a call, a later
        // transaction (on whichever worker) would see more than one.
        let source = """
            (module \(Self.imports)
              (memory (export "memory") 1 1)
              (global $calls (export "calls") (mut i32) (i32.const 0))
              (func (export "call")
                (i32.store (i32.const 64) (i32.add (i32.load (i32.const 64)) (i32.const 1)))
                (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
                (i32.store (i32.const 68) (global.get $calls))
                (call $write (i32.const 0) (i32.const 64) (i32.const 8))))
            """
        let (chain, contract, receipts) = try Self.deployAndCall(source, calls: 6, "reset")
        #expect(receipts.allSatisfy { $0.status == .success })
        #expect(chain.stored(contract, [UInt8](repeating: 0, count: 32)) == .bytes([1, 0, 0, 0, 1, 0, 0, 0]))
    }

    @Test func aHugeOrOutOfBoundsReturnTraps() throws {
        let huge = try Self.deployAndCall(
            "(module \(Self.imports) (memory (export \"memory\") 16 16) (func (export \"call\") (call $return (i32.const 0) (i32.const 1048576))))",
            "huge return")
        #expect(huge.receipts[0].status == .contractTrapped)
        let outside = try Self.deployAndCall(
            "(module \(Self.imports) (memory (export \"memory\") 1 1) (func (export \"call\") (call $return (i32.const 65530) (i32.const 100))))",
            "return past the memory")
        #expect(outside.receipts[0].status == .contractTrapped)
    }

    @Test func aContractCannotCallItselfBack() throws {
        let source = """
            (module \(Self.imports)
              (memory (export "memory") 1 1)
              (func (export "call")
                (call $self (i32.const 0))
                (drop (call $call (i32.const 0) (i32.const 32) (i32.const 0)))))
            """
        let (_, _, receipts) = try Self.deployAndCall(source, "re-entry")
        #expect(receipts[0].status == .contractTrapped)
    }

    /// Calls forward to the address their input names; with no input, they count their calls in storage.
    static let forwarder = """
        (module \(imports)
          (import "takeoff" "input_size" (func $input_size (result i32)))
          (memory (export "memory") 1 1)
          (func (export "call")
            (if (i32.eqz (call $input_size)) (then
              (drop (call $read (i32.const 0) (i32.const 64) (i32.const 8)))
              (i64.store (i32.const 64) (i64.add (i64.load (i32.const 64)) (i64.const 1)))
              (call $write (i32.const 0) (i32.const 64) (i32.const 8))
              (return)))
            (call $input_copy (i32.const 100))
            (drop (call $call (i32.const 100) (i32.const 120) (i32.const 0)))))
        """

    @Test func aContractCallsAnotherWithTheSameCode() throws {
        var chain = Chain()
        let code = try wat2wasm(Self.forwarder)
        let (first, _) = try chain.deploy(code, "deploy the first")
        let (second, _) = try chain.deploy(code, "deploy the second")
        let calls = [
            chain.transaction(Self.people[0], .callContract(contract: first, input: second.bytes)),
            chain.transaction(Self.people[1], .callContract(contract: first, input: first.bytes)),
        ]
        let receipts = try chain.run(calls, "same code, nested")
        // The first nests into a different contract with the same code; the second calls itself back.
        #expect(receipts.map(\.status) == [.success, .contractTrapped])
        #expect(chain.stored(second, [UInt8](repeating: 0, count: 32)) == .bytes([1, 0, 0, 0, 0, 0, 0, 0]))
        #expect(chain.stored(first, [UInt8](repeating: 0, count: 32)) == nil)
    }

    @Test func moreContractsThanARuntimeKeepsStillRun() throws {
        var chain = Chain()
        // Distinct codes (each exports its own number), more than a runtime keeps instances of.
        var deploys: [BuiltinTransaction] = []
        var contracts: [Address] = []
        for index in 0..<270 {
            let source = Self.forwarder.replacingOccurrences(
                of: #"(memory (export "memory") 1 1)"#,
                with: #"(memory (export "memory") 1 1) (func (export "id") (result i32) (i32.const \#(index)))"#)
            let sender = Self.people[index % Self.people.count]
            contracts.append(BuiltinTransactionLogic.contractAddress(deployer: sender, nonce: chain.nonces[sender, default: 0]))
            deploys.append(chain.transaction(sender, .deployContract(code: try wat2wasm(source), input: [])))
        }
        let deployed = try chain.run(deploys, "270 deploys")
        #expect(deployed.allSatisfy { $0.status == .success })
        let calls = contracts.enumerated().map { index, contract in
            chain.transaction(Self.people[index % Self.people.count], .callContract(contract: contract, input: []))
        }
        let receipts = try chain.run(calls, "270 contracts")
        #expect(receipts.allSatisfy { $0.status == .success })
        #expect(contracts.allSatisfy { chain.stored($0, [UInt8](repeating: 0, count: 32)) == .bytes([1, 0, 0, 0, 0, 0, 0, 0]) })
    }

    @Test func undeclaredKeysReadAtRunTimeAgreeOnBothPaths() throws {
        // Reads the key its input names and writes the next one: which keys a call touches is known only
        // when it runs, and calls in one block chain through each other's writes.
        let source = """
            (module \(Self.imports)
              (memory (export "memory") 1 1)
              (func (export "call")
                (call $input_copy (i32.const 0))
                (drop (call $read (i32.const 0) (i32.const 64) (i32.const 8)))
                (i64.store (i32.const 64) (i64.add (i64.load (i32.const 64)) (i64.const 1)))
                (i32.store8 (i32.const 0) (i32.add (i32.load8_u (i32.const 0)) (i32.const 1)))
                (call $write (i32.const 0) (i32.const 64) (i32.const 8))))
            """
        var chain = Chain()
        let (contract, deployed) = try chain.deploy(try wat2wasm(source), "deploy")
        #expect(deployed.status == .success)
        var random = SeededGenerator(seed: 7)
        let block = (0..<200).map { index in
            chain.transaction(
                Self.people[index % Self.people.count],
                .callContract(contract: contract, input: [UInt8(random.index(below: 8))] + [UInt8](repeating: 0, count: 31)))
        }
        let receipts = try chain.run(block, "undeclared keys")
        #expect(receipts.allSatisfy { $0.status == .success })
        let written = (1...8).compactMap { chain.stored(contract, [UInt8($0)] + [UInt8](repeating: 0, count: 31)) }
        #expect(!written.isEmpty)
    }

    @Test(arguments: [
        ("an import the host does not provide", #"(module (import "env" "abort" (func)) (memory (export "memory") 1 1) (func (export "call")))"#, "env.abort"),
        ("an unknown host function", #"(module (import "takeoff" "selfdestruct" (func)) (memory (export "memory") 1 1) (func (export "call")))"#, "takeoff.selfdestruct"),
        ("a memory with no maximum", #"(module (memory (export "memory") 1) (func (export "call")))"#, "no maximum"),
        ("a memory past the maximum", #"(module (memory (export "memory") 1 17) (func (export "call")))"#, "17 pages"),
        ("no memory export", #"(module (memory 1 1) (func (export "call")))"#, "memory"),
        ("no entry point", #"(module (memory (export "memory") 1 1) (func (export "run")))"#, "call"),
        ("a start function", #"(module (memory (export "memory") 1 1) (func $s) (start $s) (func (export "call")))"#, "start"),
        ("floating point", #"(module (memory (export "memory") 1 1) (func (export "call") (drop (f32.add (f32.const 1) (f32.const 2)))))"#, "f32"),
        ("a hidden mutable global", #"(module (memory (export "memory") 1 1) (global $g (mut i32) (i32.const 0)) (func (export "call")))"#, "mutable global"),
        ("data.drop", #"(module (memory (export "memory") 1 1) (data "x") (func (export "call") (data.drop 0)))"#, "data.drop"),
    ])
    func refusedModules(label: String, source: String, named: String) throws {
        let code = try wat2wasm(source, features: [.referenceTypes])
        let refusal = Self.host.refusal(of: code)
        #expect(refusal?.reason.contains(named) == true, "\(label): \(refusal.map(\.reason) ?? "accepted")")
        var chain = Chain()
        let (contract, receipt) = try chain.deploy(code, label)
        #expect(receipt.status == .contractRefused, "\(label)")
        #expect(chain.state.value(for: ContractLayout.record(of: contract)) == nil)
    }

    /// `counter.c` of the "Contracts in WebAssembly" article, built with the command there (Debian's clang 14):
    /// a module with a stack pointer in a mutable global and two pages of memory.
    static let counterFromC = try! HexEncoding.decode(
        "0061736d0100000001110360037f7f7f017f60037f7f7f006000000220020774616b656f6666047265616400000774616b656f66" +
        "66057772697465000103020102040501700101010504010102100608017f0141a088040b072303066d656d6f727902000f5f5f73" +
        "7461636b5f706f696e74657203000463616c6c00020a5d015b01017f23808080800041106b220024808080800020004200370308" +
        "418088808000200041086a41081080808080001a2000200029030842017c370308418088808000200041086a4108108180808000" +
        "200041106a2480808080000b0039046e616d65011e030009686f73745f72656164010a686f73745f7772697465020463616c6c07" +
        "1201000f5f5f737461636b5f706f696e746572002d0970726f647563657273010c70726f6365737365642d6279010c4465626961" +
        "6e20636c616e670631342e302e3600220f7461726765745f6665617475726573012b0f6d757461626c652d676c6f62616c73")

    @Test func aContractCompiledFromCCountsOncePerCall() throws {
        var chain = Chain()
        let (counter, deployed) = try chain.deploy(Self.counterFromC, "deploy")
        #expect(deployed.status == .success)
        let block = (0..<5).map { _ in chain.transaction(Self.people[0], .callContract(contract: counter, input: [])) }
        let receipts = try chain.run(block, "count")
        #expect(receipts.allSatisfy { $0.status == .success })
        #expect(chain.stored(counter, [UInt8](repeating: 0, count: 32)) == .bytes([5, 0, 0, 0, 0, 0, 0, 0]))
    }

    /// The example modules with a few bytes changed at random: each is refused, or deploys and then fails or
    /// succeeds cleanly, the same on every path; none stops the node.
    @Test func mutatedModulesNeverStopTheNode() throws {
        var chain = Chain()
        var random = SeededGenerator(seed: 11)
        var statuses: [ReceiptStatus: Int] = [:]
        let known: Set<ReceiptStatus> = [.success, .contractRefused, .contractTrapped, .contractReverted, .outOfGas, .noSuchContract]
        for round in 0..<200 {
            var code = round % 2 == 0 ? ContractModules.token : ContractModules.amm
            for _ in 0..<1 + random.index(below: 4) { code[random.index(below: code.count)] = UInt8(random.index(below: 256)) }
            let sender = Self.people[round % Self.people.count]
            let address = BuiltinTransactionLogic.contractAddress(deployer: sender, nonce: chain.nonces[sender, default: 0])
            let block = [
                chain.transaction(sender, .deployContract(code: code, input: Self.amount(1_000)), gasLimit: 2_000_000),
                chain.transaction(sender, .callContract(contract: address, input: [1] + Self.people[0].bytes + Self.amount(5)), gasLimit: 200_000),
            ]
            for receipt in try chain.run(block, "mutated module \(round)") {
                #expect(known.contains(receipt.status), "round \(round): \(receipt.status)")
                statuses[receipt.status, default: 0] += 1
            }
        }
        // Some mutations are refused and some still run: both kinds were met.
        #expect(statuses[.contractRefused, default: 0] > 0 && statuses[.success, default: 0] > 0, "\(statuses)")
    }

    @Test func theCodeCacheStaysWithinItsBounds() throws {
        let cache = ContractCodeCache(codeCapacity: 2, refusalCapacity: 3)
        let modules = try (0..<4).map { index in
            try wat2wasm(#"(module (memory (export "memory") 1 1) (func (export "call")) (func (export "id") (result i32) (i32.const \#(index))))"#)
        }
        for module in modules { #expect(throws: Never.self) { try cache.validated(module).get() } }
        for index in 0..<10 { #expect(throws: ContractRefusal.self) { try cache.validated([0, 97, 115, 109, UInt8(index)]).get() } }
        #expect(cache.counts.codes == 2 && cache.counts.refusals == 3)
        // What the cache forgot validates again, to the same answer.
        for module in modules { #expect(try cache.validated(module).get().hash == Hash32.sha256(module)) }
        #expect(cache.counts.codes == 2)
    }

    @Test func malformedAndMistypedModulesAreRefused() throws {
        var chain = Chain()
        var random = SeededGenerator(seed: 3)
        let garbage = (0..<200).map { _ in UInt8(random.index(below: 256)) }
        let truncated = Array(ContractModules.token.prefix(ContractModules.token.count / 2))
        let mistyped = try wat2wasm(
            #"(module (import "takeoff" "caller" (func (param i64))) (memory (export "memory") 1 1) (func (export "call")))"#)
        for (label, code) in [("garbage", garbage), ("truncated", truncated), ("empty", []), ("mistyped import", mistyped)] {
            let (_, receipt) = try chain.deploy(code, label)
            #expect(receipt.status == .contractRefused, "\(label)")
        }
    }
}
