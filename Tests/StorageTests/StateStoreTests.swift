import Foundation
import Testing
@testable import Takeoff
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

@Suite struct StateStoreTests {
    static let alice = StateKey.account(Address(space: 3, index: 1))
    static let bob = StateKey.account(Address(space: 3, index: 2))
    static let counter = StateKey.contractSlot(contract: Address(space: 4, index: 1), slot: 0)

    /// A header for `changes` applied after `head`.
    static func header(after head: StoreHead, _ changeSet: ChangeSet) -> BlockHeader {
        var commitment = head.commitment
        commitment.apply(changeSet)
        return BlockHeader(
            context: BlockContext(number: head.block + 1, timestamp: 0, feeCollector: .zero), parentHash: head.blockHash,
            transactionCount: 0, transactionsDigest: .zero, receiptsDigest: .zero, changeSetDigest: changeSet.digest,
            stateCommitment: commitment.digest)
    }

    @Test func genesisCommitAndReopenKeepHeadCommitmentAndState() throws {
        let directory = try TemporaryDirectory()
        let expectedHead: StoreHead
        do {
            let store = try LMDBStateStore(directory: directory.path)
            #expect(try store.head() == nil)
            let genesis = try store.initializeGenesis([(Self.alice, .account(Account(balance: 100))), (Self.counter, .amount(1))])
            let changes = ChangeSet(unsorted: [
                StateChange(key: Self.alice, oldValue: .account(Account(balance: 100)), newValue: .account(Account(balance: 60, nonce: 1))),
                StateChange(key: Self.bob, oldValue: nil, newValue: .account(Account(balance: 40))),
                StateChange(key: Self.counter, oldValue: .amount(1), newValue: nil),
            ])
            expectedHead = try store.commit(Self.header(after: genesis, changes), changeSet: changes)
        }
        let reopened = try LMDBStateStore(directory: directory.path)
        #expect(try reopened.head() == expectedHead)
        #expect(expectedHead.block == 1)
        #expect(try reopened.value(for: Self.alice) == .account(Account(balance: 60, nonce: 1)))
        #expect(try reopened.value(for: Self.bob) == .account(Account(balance: 40)))
        #expect(try reopened.value(for: Self.counter) == nil)
        #expect(try reopened.keyCount() == 2)
        #expect(try reopened.recomputeCommitment() == expectedHead.commitment)
    }

    @Test func outOfOrderStaleAndMismatchedBlocksAreRefusedAndChangeNothing() throws {
        let directory = try TemporaryDirectory()
        let store = try LMDBStateStore(directory: directory.path)
        let genesis = try store.initializeGenesis([(Self.alice, .amount(5))])
        let good = ChangeSet(unsorted: [StateChange(key: Self.alice, oldValue: .amount(5), newValue: .amount(6))])
        let stale = ChangeSet(unsorted: [StateChange(key: Self.alice, oldValue: .amount(4), newValue: .amount(6))])

        var skipping = Self.header(after: genesis, good)
        skipping.context.number = 2
        #expect(throws: StateStoreFault.unexpectedBlock(expected: 1, got: 2)) { try store.commit(skipping, changeSet: good) }
        #expect(throws: StateStoreFault.self) { try store.commit(Self.header(after: genesis, stale), changeSet: stale) }
        var wrongCommitment = Self.header(after: genesis, good)
        wrongCommitment.stateCommitment = .zero
        #expect(throws: StateStoreFault.self) { try store.commit(wrongCommitment, changeSet: good) }
        #expect(throws: StateStoreFault.self) { try store.initializeGenesis([]) }

        #expect(try store.head() == genesis)
        #expect(try store.value(for: Self.alice) == .amount(5))
        #expect(try store.commit(Self.header(after: genesis, good), changeSet: good).block == 1)
    }

    /// A batch of blocks is written in one key-ordered pass, and still checks every block's changes against the
    /// block before it: a break in the chain is refused naming its block, and nothing is written.
    @Test func aBatchOfBlocksChecksEachBlockAgainstTheOneBefore() throws {
        let directory = try TemporaryDirectory()
        let store = try LMDBStateStore(directory: directory.path)
        let genesis = try store.initializeGenesis([(Self.alice, .amount(5)), (Self.bob, .amount(7))])
        func block(after head: StoreHead, _ changes: [StateChange]) -> (header: BlockHeader, changeSet: ChangeSet, head: StoreHead) {
            let changeSet = ChangeSet(unsorted: changes)
            let header = Self.header(after: head, changeSet)
            var commitment = head.commitment
            commitment.apply(changeSet)
            return (header, changeSet, StoreHead(block: header.number, blockHash: header.hash, commitment: commitment))
        }
        // Alice changes in blocks 1 and 3 and comes back to her first value; Bob in block 2, then is deleted.
        let one = block(after: genesis, [StateChange(key: Self.alice, oldValue: .amount(5), newValue: .amount(6))])
        let two = block(after: one.head, [StateChange(key: Self.bob, oldValue: .amount(7), newValue: .amount(8))])
        let three = block(after: two.head, [
            StateChange(key: Self.alice, oldValue: .amount(6), newValue: .amount(5)), StateChange(key: Self.bob, oldValue: .amount(8), newValue: nil),
        ])
        // Block 3 claims Bob held 9, not the 8 block 2 left.
        let broken = block(after: two.head, [StateChange(key: Self.bob, oldValue: .amount(9), newValue: nil)])
        #expect(throws: StateStoreFault.staleChange(block: 3, key: Self.bob, expected: .amount(9), found: .amount(8))) {
            try store.commit(blocks: [(one.header, one.changeSet), (two.header, two.changeSet), (broken.header, broken.changeSet)], commitment: broken.head.commitment)
        }
        #expect(try store.head() == genesis)
        #expect(try store.value(for: Self.bob) == .amount(7))

        let head = try store.commit(
            blocks: [(one.header, one.changeSet), (two.header, two.changeSet), (three.header, three.changeSet)], commitment: three.head.commitment)
        #expect(head == three.head)
        #expect(try store.value(for: Self.alice) == .amount(5))
        #expect(try store.value(for: Self.bob) == nil)
        // Each block keeps its own history entry: the store unwinds to any of them.
        #expect(try store.unwind(to: 2) == two.head)
        #expect(try store.value(for: Self.alice) == .amount(6))
        #expect(try store.value(for: Self.bob) == .amount(8))
        #expect(try store.unwind(to: 0) == genesis)
        #expect(try store.value(for: Self.alice) == .amount(5))
        #expect(try store.value(for: Self.bob) == .amount(7))
    }

    @Test func snapshotsSeeOneConsistentState() throws {
        let directory = try TemporaryDirectory()
        let store = try LMDBStateStore(directory: directory.path)
        let genesis = try store.initializeGenesis([(Self.alice, .amount(5))])
        try store.withReadView { snapshot throws in
            #expect(snapshot.head == genesis)
            #expect(try snapshot.value(for: Self.alice) == .amount(5))
            #expect(try snapshot.value(for: Self.bob) == nil)
        }
    }

    @Test func aStoreWithoutGenesisRefusesSnapshotsAndCommits() throws {
        let directory = try TemporaryDirectory()
        let store = try LMDBStateStore(directory: directory.path)
        #expect(throws: StateStoreFault.self) { try store.withReadView { _ in } }
        let empty = StoreHead(block: 0, blockHash: .zero, commitment: .empty)
        #expect(throws: StateStoreFault.self) { try store.commit(Self.header(after: empty, ChangeSet()), changeSet: ChangeSet()) }
    }

    @Test func aLargeGenesisGrowsTheMap() throws {
        let directory = try TemporaryDirectory()
        let store = try LMDBStateStore(directory: directory.path, syncOnCommit: false, initialMapSize: 1 << 20)
        let entries = (0..<20_000).map { (StateKey.account(Address(space: 9, index: UInt64($0))), StateValue.account(Account(balance: UInt128($0)))) }
        let head = try store.initializeGenesis(entries)
        #expect(try store.keyCount() == 20_000)
        #expect(try store.recomputeCommitment() == head.commitment)
    }
}

@Suite struct StoreFormatTests {
    @Test func aStoreOfAnotherFormatIsRefused() throws {
        let directory = try TemporaryDirectory()
        var store: LMDBStateStore? = try LMDBStateStore(directory: directory.path)
        try store!.initializeGenesis([(.account(Address(space: 1, index: 1)), .account(Account(balance: 5)))])
        store = nil
        #expect(try LMDBStateStore(directory: directory.path, readOnly: true).head()?.block == 0)
        // Rewrite the format record as an older build would have left it (none at all).
        let environment = try LMDBEnvironment(path: directory.path)
        let meta = try environment.table("meta")
        try environment.withWriteTransaction { _ = try $0.delete(in: meta, key: Array("format".utf8)) }
        #expect(performing: { try LMDBStateStore(directory: directory.path) }, throws: { error in
            guard case .unsupportedFormat(_, let found, let supported)? = error as? StateStoreError else { return false }
            return found == nil && supported == Int(LMDBStateStore.formatVersion)
        })
    }
}
