import Foundation
import Testing
import Takeoff
import TakeoffWasm
import TakeoffWorkloads

/// Parallel execution must equal sequential execution byte for byte: every workload, 200 seeds, thread
/// counts {1, 2, 4, 8}, block sizes {1, 2, 10, 1000}; the WebAssembly contract workloads on a fifth as many
/// seeds. Set TAKEOFF_SOAK_SEEDS for a longer run.
@Suite struct DifferentialTests {
    static let harness = DifferentialHarness()
    static let seedCount = ProcessInfo.processInfo.environment["TAKEOFF_SOAK_SEEDS"].flatMap(Int.init) ?? 200
    static let blockSizes = [1, 2, 10, 1000]
    /// Seeds that also run a 1000-transaction block (every seed runs the smaller sizes): all of them by
    /// default (about a minute and a half on 2 cores); TAKEOFF_LARGE_BLOCK_SEEDS lowers it for quick local runs.
    static let largeBlockSeeds = ProcessInfo.processInfo.environment["TAKEOFF_LARGE_BLOCK_SEEDS"].flatMap(Int.init) ?? seedCount

    static let generatedKinds: [WorkloadKind] = [.uniform, .zipf, .hotspot, .chain, .mix]

    @Test(arguments: generatedKinds)
    func generatedWorkloads(kind: WorkloadKind) throws {
        let accounts = 400
        let genesis = try WorkloadGenerator(WorkloadConfiguration(kind: kind, accounts: accounts, signed: false)).genesis()
        let genesisState = InMemoryState(Dictionary(genesis, uniquingKeysWith: { first, _ in first }))
        for seed in 1...UInt64(Self.seedCount) {
            let generator = try WorkloadGenerator(WorkloadConfiguration(kind: kind, accounts: accounts, seed: seed, signed: false))
            var state = genesisState
            var head = StoreHead(block: 0, blockHash: .zero, commitment: state.commitment)
            for size in Self.blockSizes where size < 1000 || seed <= UInt64(Self.largeBlockSeeds) {
                let block = generator.nextBlock(size: size)
                let reference = try Self.harness.check(
                    block, context: generator.context(number: head.block + 1), parent: head, state: state,
                    label: "\(kind) seed \(seed)")
                state.apply(reference.changeSet)
                head = reference.head
            }
        }
    }

    /// Seeds of the WebAssembly workloads: a fifth of the others', since a call costs far more in a debug build.
    static let contractSeedCount = max(1, seedCount / 5)

    /// The contract workloads (token transfers, swaps over 100 pools and over one hot pool), with receipts and
    /// their events identical on every path; every call must succeed, or the workload would test little.
    @Test(arguments: [(WorkloadKind.wasmToken, 100), (.wasmAmm, 100), (.wasmAmm, 1)])
    func contractWorkloads(kind: WorkloadKind, pools: Int) throws {
        var harness = Self.harness
        harness.logic = BuiltinTransactionLogic(contracts: WasmContractHost())
        let accounts = 300
        let configuration = { (seed: UInt64) in
            WorkloadConfiguration(kind: kind, accounts: accounts, seed: seed, signed: false, pools: pools)
        }
        let genesis = try WorkloadGenerator(configuration(1)).genesis()
        let genesisState = InMemoryState(Dictionary(genesis, uniquingKeysWith: { first, _ in first }))
        for seed in 1...UInt64(Self.contractSeedCount) {
            let generator = try WorkloadGenerator(configuration(seed))
            var state = genesisState
            var head = StoreHead(block: 0, blockHash: .zero, commitment: state.commitment)
            for size in [1, 2, 10, 300] where size < 300 || seed % 4 == 1 {
                let block = generator.nextBlock(size: size)
                let label = "\(kind.rawValue) over \(pools) pools, seed \(seed)"
                let reference = try harness.check(block, context: generator.context(number: head.block + 1), parent: head, state: state, label: label)
                #expect(reference.receipts.allSatisfy { $0.status == .success && !$0.events.isEmpty }, "\(label): a call failed or emitted nothing")
                state.apply(reference.changeSet)
                head = reference.head
            }
        }
    }

    @Test func adversarialBlocks() throws {
        let genesis = AdversarialBlocks.genesis
        for seed in 1...UInt64(Self.seedCount) {
            var blocks = AdversarialBlocks(seed: seed)
            var state = genesis
            var head = StoreHead(block: 0, blockHash: .zero, commitment: state.commitment)
            for size in [1, 2, 10, seed % 4 == 0 ? 300 : 60] {
                let context = BlockContext(number: head.block + 1, timestamp: 0, feeCollector: AdversarialBlocks.collector)
                let reference = try Self.harness.check(
                    blocks.block(size: size), context: context, parent: head, state: state, label: "adversarial seed \(seed)")
                state.apply(reference.changeSet)
                head = reference.head
            }
        }
    }

    @Test func adversarialBlocksCoverEveryOutcome() throws {
        var statuses: Set<ReceiptStatus> = []
        var blocks = AdversarialBlocks(seed: 1)
        let state = AdversarialBlocks.genesis
        let head = StoreHead(block: 0, blockHash: .zero, commitment: state.commitment)
        let context = BlockContext(number: 1, timestamp: 0, feeCollector: AdversarialBlocks.collector)
        let executed = try SequentialExecutor(logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false))
            .execute(blocks.block(size: 2_000), context: context, parent: head, state: state)
        statuses.formUnion(executed.receipts.map(\.status))
        let expected: Set<ReceiptStatus> = [
            .success, .badNonce, .insufficientFee, .insufficientBalance, .overflow, .outOfGas, .unauthorized,
            .slippage, .invalidPayload,
        ]
        #expect(expected.isSubset(of: statuses), "missing \(expected.subtracting(statuses))")
    }

    @Test func theMainnetTrace() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/ethereum-mainnet/mainnet-85-blocks.csv.zst").path
        let trace = try MainnetTrace(contentsOf: path)
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .mainnet, signed: false, trace: trace))
        var state = InMemoryState(Dictionary(generator.genesis(), uniquingKeysWith: { first, _ in first }))
        var head = StoreHead(block: 0, blockHash: .zero, commitment: state.commitment)
        for blockIndex in 0..<trace.blocks.count {
            let block = generator.nextBlock(size: 0)
            let context = generator.context(number: head.block + 1)
            // Prefixes keep each sender's nonces in order, so they are valid blocks on the same state.
            for size in [1, 2, 10] where size < block.count {
                try Self.harness.check(
                    Array(block.prefix(size)), context: context, parent: head, state: state,
                    label: "mainnet block \(blockIndex) prefix \(size)")
            }
            let reference = try Self.harness.check(block, context: context, parent: head, state: state, label: "mainnet block \(blockIndex)")
            state.apply(reference.changeSet)
            head = reference.head
        }
    }
}
