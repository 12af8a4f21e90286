import Foundation
import Testing
@testable import Takeoff
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

@Suite struct SequentialExecutorTests {
    typealias Rules = BuiltinRulesTests
    static let carol = Address(space: 1, index: 9)

    @Test func aHandCheckedBlock() throws {
        var harness = Rules.harness()
        let transactions = [
            Rules.transaction(nonce: 0, fee: 10, .transfer(to: Rules.bob, amount: 100)),  // ok
            Rules.transaction(from: Rules.bob, nonce: 0, fee: 5, .transfer(to: Self.carol, amount: 60)),  // bob's new funds
            Rules.transaction(from: Self.carol, nonce: 0, fee: 1, .transfer(to: Rules.alice, amount: 50)),  // carol created above
            Rules.transaction(nonce: 0, fee: 10, .transfer(to: Rules.bob, amount: 1)),  // replayed nonce
            Rules.transaction(nonce: 1, fee: 10, .transfer(to: Rules.bob, amount: 10_000)),  // too much
        ]
        let executed = try harness.run(transactions)
        #expect(executed.receipts.map(\.status) == [.success, .success, .success, .badNonce, .insufficientBalance])
        #expect(harness.account(Rules.alice) == Account(balance: 1_000 - 10 - 100 + 50 - 10, nonce: 2))
        #expect(harness.account(Rules.bob) == Account(balance: 100 - 5 - 60, nonce: 1))
        #expect(harness.account(Self.carol) == Account(balance: 60 - 1 - 50, nonce: 1))
        #expect(harness.account(Rules.collector) == Account(balance: 10 + 5 + 1 + 10))
        // The change set: alice, bob, carol and the collector, sorted, with their previous values.
        #expect(executed.changeSet.changes.map(\.key) == [Rules.alice, Rules.bob, Self.carol, Rules.collector].map(StateKey.account).sorted())
        #expect(executed.changeSet.changes.first { $0.key == .account(Self.carol) }?.oldValue == nil)
        #expect(executed.header.transactionCount == 5)
        #expect(executed.header.stateCommitment == harness.state.commitment.digest)
        #expect(executed.header.changeSetDigest == executed.changeSet.digest)
    }

    @Test func anEmptyBlockChangesNothing() throws {
        var harness = Rules.harness()
        let before = harness.head.commitment
        let executed = try harness.run([])
        #expect(executed.changeSet.isEmpty)
        #expect(executed.commitment == before)
        #expect(executed.header.number == 1)
    }

    @Test func consecutiveBlocksChainTheirHeaders() throws {
        var harness = Rules.harness()
        let first = try harness.run([Rules.transaction(.transfer(to: Rules.bob, amount: 1))])
        let second = try harness.run([Rules.transaction(nonce: 1, .transfer(to: Rules.bob, amount: 1))])
        #expect(second.header.parentHash == first.header.hash)
        #expect(second.header.number == 2)
    }

    @Test func extraWorkChangesNoState() throws {
        var plain = Rules.harness()
        var heavy = Rules.harness()
        heavy.options = ExecutionOptions(verifySignatures: false, workRoundsPerTransaction: 50)
        let block = [Rules.transaction(.transfer(to: Rules.bob, amount: 3))]
        #expect(try plain.run(block).header == heavy.run(block).header)
    }

    /// A chain team's own logic over its own transaction type and rules: a key-value "note" kind.
    struct NotesLogic: TransactionLogic {
        static let namespace: UInt16 = 42
        static let emptyNote = ReceiptStatus(rawValue: 107)
        let rules = NoteRules()

        func execute(
            _ transaction: NoteTransaction, in block: BlockContext, state: inout TransactionState
        ) throws(ExecutionInterrupted) -> PayloadOutcome {
            let key = StateKey.custom(namespace: Self.namespace, id: Hash32(w0: UInt64(transaction.kind), w1: 0, w2: 0, w3: 0))
            if transaction.data.isEmpty { return .failure(Self.emptyNote, gasUsed: 1_000) }
            let previous: [UInt8]
            if case .bytes(let bytes)? = try state.read(key) { previous = bytes } else { previous = [] }
            state.write(key, .bytes(previous + transaction.data))
            return .success(gasUsed: 1_000 + UInt64(transaction.data.count))
        }
    }

    @Test func aChainTeamsOwnTransactionsAndRulesRunUnderTheEngine() throws {
        var harness = Rules.harness()
        let note = { (nonce: UInt64, data: [UInt8]) in NoteTransaction(sender: Rules.alice, nonce: nonce, kind: 1, data: data) }
        let executed = try harness.run(
            [
                note(0, [1, 2]),
                note(1, [3]),  // sees the first one's write
                note(2, []),  // fails with the logic's own code; the fee stays charged
                note(7, [4]),  // rejected by the chain's rules: nothing charged
            ], logic: NotesLogic())
        #expect(executed.receipts.map(\.status) == [.success, .success, NotesLogic.emptyNote, NoteRules.badNonce])
        #expect(executed.receipts.map(\.feePaid) == [1, 1, 1, 0])
        #expect(executed.receipts[0].gasUsed == 1_002)
        let key = StateKey.custom(namespace: NotesLogic.namespace, id: Hash32(w0: 1, w1: 0, w2: 0, w3: 0))
        #expect(harness.state.value(for: key) == .bytes([1, 2, 3]))
        #expect(harness.state.value(for: NoteRules.treasury) == .amount(3))
        #expect(harness.account(Rules.alice) == Account(balance: 1_000 - 3, nonce: 3))
    }

    @Test func executingOverTheLMDBStoreMatchesInMemory() throws {
        let scratch = try ScratchDirectory()
        let directory = scratch.path
        var harness = Rules.harness()
        let store = try LMDBStateStore(directory: directory, syncOnCommit: false)
        try store.initializeGenesis(harness.state.entries.map { ($0.key, $0.value) })
        let block = [
            Rules.transaction(nonce: 0, .transfer(to: Self.carol, amount: 100)),
            Rules.transaction(from: Self.carol, nonce: 0, .tokenTransfer(token: Rules.token, to: Rules.bob, amount: 1)),
            Rules.transaction(nonce: 1, .swap(pool: Rules.pool, tokenIn: Rules.token, amountIn: 50, minimumOut: 1)),
        ]
        let executor = SequentialExecutor(logic: BuiltinTransactionLogic(), options: harness.options)
        let fromStore = try store.withReadView { snapshot in
            try executor.execute(block, context: BlockContext(number: 1, timestamp: 0, feeCollector: Rules.collector), parent: snapshot.head, state: snapshot)
        }
        let inMemory = try harness.run(block)
        #expect(fromStore.header == inMemory.header)
        #expect(fromStore.receipts == inMemory.receipts)
        try store.commit(fromStore.header, changeSet: fromStore.changeSet)
        #expect(try store.recomputeCommitment() == harness.state.commitment)
    }
}
