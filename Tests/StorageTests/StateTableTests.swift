import Testing
import Takeoff
@testable import TakeoffCore

/// The open-addressing table against a Dictionary, over random inserts, updates and removals.
@Suite struct StateTableTests {
    @Test(arguments: [1, 2, 3])
    func agreesWithADictionary(seed: UInt64) {
        var table = StateTable<Int>()
        var model: [StateKey: Int] = [:]
        var random = seed &* 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            random ^= random << 13
            random ^= random >> 7
            random ^= random << 17
            return random
        }
        // A small key space, so that removals and re-insertions hit the same probe runs often.
        for step in 0..<50_000 {
            let key = StateKey.account(Address(space: 2, index: next() % 3_000))
            switch next() % 4 {
            case 0:
                #expect(table.removeValue(forKey: key) == model.removeValue(forKey: key))
            default:
                table[key] = step
                model[key] = step
            }
            if step % 5_000 == 0 {
                #expect(table.count == model.count)
            }
        }
        #expect(table.count == model.count)
        for (key, value) in model { #expect(table[key] == value) }
        var seen = 0
        for (key, value) in table {
            #expect(model[key] == value)
            seen += 1
        }
        #expect(seen == model.count)
    }

    @Test func copiesAreIndependent() {
        var original = StateTable<Int>()
        for index in 0..<100 { original[.account(Address(space: 3, index: UInt64(index)))] = index }
        var copy = original
        copy[.account(Address(space: 3, index: 5))] = -1
        copy.removeValue(forKey: .account(Address(space: 3, index: 6)))
        #expect(original[.account(Address(space: 3, index: 5))] == 5)
        #expect(original[.account(Address(space: 3, index: 6))] == 6)
        #expect(copy.count == 99 && original.count == 100)
        #expect(copy != original)
    }

    @Test func discardingEmptiesOnlyAnUnsharedTable() {
        var table = StateTable<Int>()
        for index in 0..<1_000 { table[.account(Address(space: 4, index: UInt64(index)))] = index }
        var shared = table
        shared.discardValuesHoldingNoReferences()
        #expect(shared.count == 1_000 && table.count == 1_000, "a table whose storage is shared keeps it")
        table = StateTable()
        shared.discardValuesHoldingNoReferences()
        #expect(shared.isEmpty && shared[.account(Address(space: 4, index: 7))] == nil)
        shared[.account(Address(space: 4, index: 7))] = 7
        #expect(shared.count == 1 && shared[.account(Address(space: 4, index: 7))] == 7)
    }

    @Test func slotsAddressValuesInPlace() {
        var table = StateTable<Int>(minimumCapacity: 10)
        let key = StateKey.custom(namespace: 1, id: .zero)
        let (slot, inserted) = table.findOrInsert(key) { 41 }
        #expect(inserted)
        table[slot: slot] += 1
        #expect(table[key] == 42 && table.key(at: slot) == key)
        #expect(table.findOrInsert(key) { 0 } == (slot, false))
    }
}
