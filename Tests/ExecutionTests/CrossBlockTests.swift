import Foundation
import Testing
import Takeoff
import TakeoffWorkloads

/// Consecutive blocks run as one parallel run (`execute(group:)`) must give each block exactly what the
/// sequential reference gives it block by block: receipts, change set, access sets and header. Every group
/// must really have run as one (the first block carries the group's size and all its executions).
@Suite struct CrossBlockTests {
    let logic = BuiltinTransactionLogic()
    let options = ExecutionOptions(verifySignatures: false)
    static let sizes = [1, 3, 40, 10, 2, 25, 7, 60]

    /// The sequential reference, block by block over `state`, each block's access sets recorded.
    func reference(
        _ blocks: [(transactions: [BuiltinTransaction], context: BlockContext)], parent: StoreHead, state: InMemoryState
    ) throws -> [ExecutedBlock<BuiltinTransaction>] {
        var state = state
        var head = parent
        return try blocks.map { block in
            let executed = try SequentialExecutor(logic: logic, options: options)
                .execute(block.transactions, context: block.context, parent: head, state: state)
            state.apply(executed.changeSet)
            head = executed.head
            return executed
        }
    }

    /// Runs `group` on the parallel executor with each thread count and compares every block with `expected`.
    func check(
        _ group: [GroupedBlock<BuiltinTransaction>], expected: [ExecutedBlock<BuiltinTransaction>], parent: StoreHead,
        state: InMemoryState, label: String, threadCounts: [Int] = [1, 2, 4]
    ) throws {
        let total = group.reduce(0) { $0 + $1.transactions.count }
        for threads in threadCounts {
            let executor = ParallelExecutor(logic: logic, options: options, threads: threads, policy: DifferentialHarness.parallelOnly)
            let executed = try executor.execute(group: group, parent: parent, state: state)
            #expect(executed.count == expected.count, "\(label), \(threads) threads: one result per block")
            for (index, (got, want)) in zip(executed, expected).enumerated() {
                let same = got.header == want.header && got.receipts == want.receipts && got.changeSet == want.changeSet
                    && got.accessSets == want.accessSets
                #expect(same, "\(label), \(threads) threads: block \(index) of the group differs from sequential")
                #expect(
                    got.metrics.path == .parallel && got.metrics.crossBlockGroup == group.count,
                    "\(label), \(threads) threads: block \(index) did not run in the group (\(got.metrics.reason))")
            }
            #expect(executed.first.map { $0.metrics.incarnations >= total } == true, "\(label): the group's executions are on its first block")
        }
    }

    static let kinds: [WorkloadKind] = [.uniform, .zipf, .hotspot, .chain, .mix]

    @Test(arguments: kinds)
    func generatedBlocksRunTogetherAsTheyRunApart(kind: WorkloadKind) throws {
        let accounts = 300
        let genesis = try WorkloadGenerator(WorkloadConfiguration(kind: kind, accounts: accounts, signed: false)).genesis()
        let state = InMemoryState(Dictionary(genesis, uniquingKeysWith: { first, _ in first }))
        let parent = StoreHead(block: 0, blockHash: .zero, commitment: state.commitment)
        for seed in 1...UInt64(20) {
            let generator = try WorkloadGenerator(WorkloadConfiguration(kind: kind, accounts: accounts, seed: seed, signed: false))
            let blocks = Self.sizes.enumerated().map { number, size in
                (transactions: generator.nextBlock(size: size), context: generator.context(number: UInt64(number + 1)))
            }
            let expected = try reference(blocks, parent: parent, state: state)
            let group = zip(blocks, expected).map {
                GroupedBlock(transactions: $0.transactions, context: $0.context, accessHints: $1.accessSets)
            }
            try check(group, expected: expected, parent: parent, state: state, label: "\(kind) seed \(seed)")
            // Hints that say nothing (no dependencies at all) change the work, never the result: validation
            // catches every read the missing edges let run early.
            let blind = zip(blocks, expected).map {
                GroupedBlock(
                    transactions: $0.transactions, context: $0.context,
                    accessHints: Array(repeating: AccessSet(reads: [], writes: []), count: $1.accessSets.count))
            }
            try check(blind, expected: expected, parent: parent, state: state, label: "\(kind) seed \(seed), empty hints", threadCounts: [2])
        }
    }

    @Test func theMainnetTraceRunsInGroupsOfEightBlocks() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/ethereum-mainnet/mainnet-85-blocks.csv.zst").path
        let trace = try MainnetTrace(contentsOf: path)
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .mainnet, signed: false, trace: trace))
        var state = InMemoryState(Dictionary(generator.genesis(), uniquingKeysWith: { first, _ in first }))
        var head = StoreHead(block: 0, blockHash: .zero, commitment: state.commitment)
        var remaining = trace.blocks.count
        while remaining > 0 {
            let count = min(8, remaining)
            remaining -= count
            let blocks = (0..<count).map { offset in
                (transactions: generator.nextBlock(size: 0), context: generator.context(number: head.block + 1 + UInt64(offset)))
            }
            let expected = try reference(blocks, parent: head, state: state)
            let group = zip(blocks, expected).map {
                GroupedBlock(transactions: $0.transactions, context: $0.context, accessHints: $1.accessSets)
            }
            try check(group, expected: expected, parent: head, state: state, label: "mainnet blocks \(head.block + 1)...", threadCounts: [2, 4])
            for block in expected { state.apply(block.changeSet) }
            head = expected.last!.head
        }
    }

    @Test func aBlockWithoutHintsRunsTheGroupBlockByBlock() throws {
        let genesis = try WorkloadGenerator(WorkloadConfiguration(kind: .mix, accounts: 200, signed: false)).genesis()
        let state = InMemoryState(Dictionary(genesis, uniquingKeysWith: { first, _ in first }))
        let parent = StoreHead(block: 0, blockHash: .zero, commitment: state.commitment)
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .mix, accounts: 200, seed: 5, signed: false))
        let blocks = [30, 30, 30].enumerated().map { number, size in
            (transactions: generator.nextBlock(size: size), context: generator.context(number: UInt64(number + 1)))
        }
        let expected = try reference(blocks, parent: parent, state: state)
        var group = zip(blocks, expected).map { GroupedBlock(transactions: $0.transactions, context: $0.context, accessHints: $1.accessSets) }
        group[1].accessHints = nil
        let executed = try ParallelExecutor(logic: logic, options: options, threads: 2, policy: DifferentialHarness.parallelOnly)
            .execute(group: group, parent: parent, state: state)
        #expect(executed.map(\.header) == expected.map(\.header))
        #expect(executed.allSatisfy { $0.metrics.crossBlockGroup == nil })
    }
}
