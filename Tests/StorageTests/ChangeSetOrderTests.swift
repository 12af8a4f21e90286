import Testing
@testable import Takeoff
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

/// The change set's radix sort against a comparison sort, and its k-way merge against a dictionary.
@Suite struct ChangeSetOrderTests {
    /// A xorshift generator: repeatable keys without a dependency on the model tests' helpers.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    @Test(arguments: [0, 1, 5, 255, 256, 257, 4_000, 30_000])
    func radixSortIsAStableSortByKey(count: Int) {
        var random = Random(state: UInt64(count) &+ 0x1234_5678)
        // Few distinct high bytes and many repeated keys: skipped passes and stability both matter.
        let items = (0..<count).map { position in
            RadixItem(key: (random.next() % 50) << 56 | random.next() % 1_000, position: Int32(position))
        }
        var sorted = items
        RadixSort.sort(&sorted)
        let expected = items.enumerated().sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }.map(\.element)
        #expect(sorted == expected)
    }

    @Test func changeSetsSortKeysThatShareTheirFirstBytes() {
        var random = Random(state: 77)
        let contracts = (0..<3).map { Address(space: 0xC0, index: UInt64($0)) }
        var keys: Set<StateKey> = []
        while keys.count < 3_000 {
            switch random.next() % 4 {
            case 0: keys.insert(.account(Address(space: UInt32(random.next() % 4), index: random.next() % 10_000)))
            case 1: keys.insert(.contractSlot(contract: contracts[Int(random.next() % 3)], slot: random.next() % 100_000))
            case 2:
                keys.insert(.tokenBalance(token: contracts[Int(random.next() % 3)], holder: Address(space: 1, index: random.next() % 5_000)))
            default:
                keys.insert(.custom(namespace: UInt16(random.next() % 2), id: Hash32(w0: 0, w1: random.next(), w2: 0, w3: random.next() % 9)))
            }
        }
        let changes = keys.map { StateChange(key: $0, oldValue: nil, newValue: .amount(1)) }
        let changeSet = ChangeSet(unsortedDistinct: changes)
        #expect(changeSet.changes.map(\.key) == keys.sorted())
        // And the order is the encodings' bytewise order, which LMDB keeps.
        let encodings = changeSet.changes.map(\.key.encoded)
        #expect(zip(encodings, encodings.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) })
    }

    /// Consecutive blocks over a small state (so keys repeat across blocks, come back to their first value,
    /// are created and deleted), merged, against the state before and after computed directly.
    @Test(arguments: [1, 2, 3, 17, 64])
    func mergingConsecutiveChangeSetsMatchesTheStateBeforeAndAfter(blocks: Int) {
        var random = Random(state: UInt64(blocks) &* 0x9E37_79B9 | 1)
        let keys = (0..<40).map { StateKey.account(Address(space: UInt32($0 % 3), index: UInt64($0))) }
        var state: [StateKey: StateValue] = [:]
        for key in keys where random.next() % 2 == 0 { state[key] = .account(Account(balance: UInt128(random.next() % 4))) }
        let before = state
        var changeSets: [ChangeSet] = []
        for _ in 0..<blocks {
            var changes: [StateChange] = []
            for key in keys where random.next() % 3 == 0 {
                // Few values, so that keys often return to an earlier one; absent about one time in four.
                let value: StateValue? = random.next() % 4 == 0 ? nil : .account(Account(balance: UInt128(random.next() % 4)))
                changes.append(StateChange(key: key, oldValue: state[key], newValue: value))
                state[key] = value
            }
            changeSets.append(ChangeSet(unsorted: changes))
        }
        let merged = ChangeSet.merging(changeSets)
        let expected = ChangeSet(unsorted: keys.map { StateChange(key: $0, oldValue: before[$0], newValue: state[$0]) })
        #expect(merged == expected)
        #expect(merged.changes.map(\.key) == merged.changes.map(\.key).sorted())
        #expect(merged.changes.allSatisfy { $0.oldValue != $0.newValue })
    }
}
