import Benchmark
import Takeoff
import TakeoffBench

/// Per-operation costs of the pieces on the hot path. Each benchmark's scaled iterations count one unit
/// (a pair hashed, a transaction encoded, a transaction executed).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3))

    let pairs = (0..<1_000).map { (StateKey.account(Address(space: 1, index: UInt64($0))), StateValue.account(Account(balance: UInt128($0)))) }
    Benchmark("State commitment: insert a pair", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var commitment = StateCommitment.empty
        for iteration in benchmark.scaledIterations {
            let (key, value) = pairs[iteration % pairs.count]
            commitment.insert(key, value)
        }
        blackHole(commitment)
    }

    // A batch of 1,000 insertions in one call (one core: batches under 4,096 changes are not split), the
    // way a block's change set is committed; scaled per pair.
    let changes = pairs.map { StateChange(key: $0.0, oldValue: nil, newValue: $0.1) }
    Benchmark("State commitment: a batch of 1,000 pairs, per pair", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var commitment = StateCommitment.empty
        for _ in 0..<(benchmark.scaledIterations.count / changes.count) { commitment.apply(changes: changes) }
        blackHole(commitment)
    }

    let transaction = BuiltinTransaction(
        sender: Address(space: 1, index: 1), nonce: 7, fee: 21_000, gasLimit: 21_000,
        payload: .transfer(to: Address(space: 1, index: 2), amount: 1_000))
    Benchmark("Codec: encode and decode a transaction") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try BuiltinTransaction(encoded: transaction.encoded))
        }
    }

    // One 1,000-transaction block of `takeoff bench`'s scenarios (the harness, TakeoffBench, makes them): uniform
    // transfers over 10,000 accounts, and full contention (every transaction pays one account), in memory.
    let options = ExecutionOptions(verifySignatures: false)
    let executors: [(String, any BlockExecutor<BuiltinTransaction>)] = [
        ("sequential", SequentialExecutor(logic: BuiltinTransactionLogic(), options: options)),
        ("parallel, 2 threads", ParallelExecutor(logic: BuiltinTransactionLogic(), options: options, threads: 2, policy: .alwaysParallel)),
    ]
    for scenario in [BenchScenario.uniform, .contention] {
        let workload = try! BenchWorkload(scenario: scenario, accounts: 10_000, blockCount: 1, blockSize: 1_000)
        let parent = StoreHead(block: 0, blockHash: .zero, commitment: workload.genesisCommitment)
        let (context, block) = workload.blocks[0]
        for (name, executor) in executors {
            let kind = scenario == .uniform ? "a transfer" : "a contended transfer"
            Benchmark("Execute \(kind) (\(name))", configuration: .init(scalingFactor: .kilo)) { benchmark in
                for _ in 0..<(benchmark.scaledIterations.count / 1_000) {
                    blackHole(try executor.execute(block, context: context, parent: parent, state: workload.genesis))
                }
            }
        }
    }
}
