import Foundation
import Testing
@testable import TakeoffBuiltinChain
@testable import TakeoffCore
@testable import TakeoffStore
import TakeoffWorkloads

/// The lattice commitment composes: a state split by key range across stores has, as the lane-wise sum of
/// the stores' commitments, the commitment of the whole state (the property "Beyond one machine" builds on).
@Suite struct PartitionedCommitmentTests {
    /// A state worth splitting: a mixed workload's genesis (accounts, tokens, pools, counters) after a few
    /// executed blocks, committed to one store.
    static func wholeStore(in directory: String) throws -> LMDBStateStore {
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .mix, accounts: 2_000, seed: 13, signed: false))
        try FileManager.default.createDirectory(atPath: directory + "/whole", withIntermediateDirectories: true)
        let store = try LMDBStateStore(directory: directory + "/whole", syncOnCommit: false)
        try store.initializeGenesis(generator.genesis())
        let executor = SequentialExecutor(logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false))
        for number in 1...3 {
            let block = generator.nextBlock(size: 500)
            let executed = try store.withReadView { snapshot in
                try executor.execute(block, context: generator.context(number: UInt64(number)), parent: snapshot.head, state: snapshot)
            }
            try store.commit(executed.header, changeSet: executed.changeSet)
        }
        return store
    }

    @Test func sixteenKeyRangesAddUpToTheWholeState() throws {
        let directory = try TemporaryDirectory()
        let whole = try Self.wholeStore(in: directory.path)
        var entries: [(StateKey, StateValue)] = []
        try whole.forEachEntry { entries.append(($0, $1)) }
        #expect(entries.count > 2_000)

        // Sixteen contiguous key ranges of (nearly) equal size, each loaded into a store of its own, whose head
        // carries the commitment of its part alone.
        let partitions = 16
        var sum = StateCommitment.empty
        var loadedKeys = 0
        for part in 0..<partitions {
            let range = (entries.count * part / partitions)..<(entries.count * (part + 1) / partitions)
            let slice = Array(entries[range])
            let path = directory.path + "/part-\(part)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let store = try LMDBStateStore(directory: path, syncOnCommit: false)
            var chunk: [(StateKey, StateValue)]? = slice
            try store.loadSnapshot(head: StoreHead(block: 3, blockHash: .zero, commitment: StateCommitment.of(slice))) {
                defer { chunk = nil }
                return chunk
            }
            let recomputed = try store.recomputeCommitment()
            #expect(recomputed != StateCommitment.of(entries))
            sum.add(recomputed)
            loadedKeys += slice.count
        }
        #expect(loadedKeys == entries.count)
        let head = try #require(try whole.head())
        #expect(sum == head.commitment)
        #expect(try whole.recomputeCommitment() == sum)
    }

    @Test func aMissingOrChangedEntryInOnePartitionBreaksTheSum() throws {
        let directory = try TemporaryDirectory()
        let whole = try Self.wholeStore(in: directory.path)
        var entries: [(StateKey, StateValue)] = []
        try whole.forEachEntry { entries.append(($0, $1)) }
        let expected = try whole.head()!.commitment
        let halves = [Array(entries[..<(entries.count / 2)]), Array(entries[(entries.count / 2)...])]

        var dropped = StateCommitment.of(halves[0])
        dropped.add(StateCommitment.of(Array(halves[1].dropLast())))
        #expect(dropped != expected)

        var changed = halves[1]
        if case .account(var account) = changed[0].1 {
            account.balance += 1
            changed[0].1 = .account(account)
        } else {
            changed[0].1 = .amount(12_345)
        }
        var altered = StateCommitment.of(halves[0])
        altered.add(StateCommitment.of(changed))
        #expect(altered != expected)

        var intact = StateCommitment.of(halves[0])
        intact.add(StateCommitment.of(halves[1]))
        #expect(intact == expected)
    }
}
