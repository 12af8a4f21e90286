import Testing
import TakeoffWorkloads
@testable import Takeoff
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

@Suite struct StateCommitmentTests {
    static let pairs: [(StateKey, StateValue)] = (0..<300).map {
        (StateKey.account(Address(space: 1, index: UInt64($0))), StateValue.account(Account(balance: UInt128($0) * 1_000, nonce: UInt64($0 % 7))))
    }

    @Test func insertionOrderDoesNotMatter() {
        var forward = StateCommitment.empty
        for (key, value) in Self.pairs { forward.insert(key, value) }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            var shuffled = StateCommitment.empty
            for (key, value) in Self.pairs.shuffled(using: &random) { shuffled.insert(key, value) }
            #expect(shuffled == forward)
            #expect(shuffled.digest == forward.digest)
        }
    }

    @Test func anyChangedValueOrKeyChangesTheCommitment() {
        var base = StateCommitment.empty
        for (key, value) in Self.pairs { base.insert(key, value) }
        var digests: Set<Hash32> = [base.digest]
        for index in stride(from: 0, to: Self.pairs.count, by: 15) {
            let (key, value) = Self.pairs[index]
            guard case .account(var account) = value else { continue }
            account.balance += 1
            var changed = base
            changed.apply(StateChange(key: key, oldValue: value, newValue: .account(account)))
            digests.insert(changed.digest)
            var removed = base
            removed.remove(key, value)
            digests.insert(removed.digest)
        }
        // One base, plus a distinct digest for every changed and every removed pair.
        #expect(digests.count == 1 + 2 * 20)
    }

    @Test func removingWhatWasInsertedRestoresTheEmptyCommitment() {
        var commitment = StateCommitment.empty
        for (key, value) in Self.pairs { commitment.insert(key, value) }
        for (key, value) in Self.pairs.reversed() { commitment.remove(key, value) }
        #expect(commitment == .empty)
    }

    @Test func incrementalEqualsFullRecomputationAfterManyBlocks() {
        var state = InMemoryState(Dictionary(uniqueKeysWithValues: Self.pairs))
        var incremental = state.commitment
        var random = SeededGenerator(seed: 99)
        for _ in 0..<200 {
            var changes: [StateKey: StateChange] = [:]
            for _ in 0..<(1 + Int(random.next() % 40)) {
                let key = StateKey.account(Address(space: 1, index: random.next() % 400))
                let old = state.value(for: key)
                let new: StateValue? = random.next() % 10 == 0 ? nil : .amount(UInt128(random.next()))
                changes[key] = StateChange(key: key, oldValue: old, newValue: new)
            }
            let changeSet = ChangeSet(unsorted: changes.values)
            incremental.apply(changeSet)
            state.apply(changeSet)
        }
        #expect(incremental == state.commitment)
    }

    @Test func largeChangeSetsHashedInParallelMatchOneByOne() {
        let changes = (0..<10_000).map {
            StateChange(key: .contractSlot(contract: .zero, slot: UInt64($0)), oldValue: nil, newValue: .amount(UInt128($0)))
        }
        var parallel = StateCommitment.empty
        parallel.apply(ChangeSet(unsorted: changes))
        var serial = StateCommitment.empty
        for change in changes { serial.apply(change) }
        #expect(parallel == serial)
    }
}
