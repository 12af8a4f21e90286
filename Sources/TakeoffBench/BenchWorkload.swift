import Dispatch
import TakeoffBuiltinChain
import TakeoffCore
import TakeoffWorkloads
import TakeoffWasm

/// The blocks and genesis state of one bench scenario, generated once and run through each executor.
public struct BenchWorkload: Sendable {
    /// The genesis state.
    public let genesis: InMemoryState
    /// Its commitment.
    public let genesisCommitment: StateCommitment
    /// Each block's context and transactions, from block 1.
    public let blocks: [(BlockContext, [BuiltinTransaction])]

    /// The transactions of all the blocks.
    public var transactionCount: Int { blocks.reduce(0) { $0 + $1.1.count } }

    /// `blockCount` blocks of `blockSize` transactions (the mainnet trace keeps its own blocks) over the
    /// configuration's genesis.
    public init(configuration: WorkloadConfiguration, blockCount: Int, blockSize: Int) throws {
        let generator = try WorkloadGenerator(configuration)
        genesis = InMemoryState(pairs: generator.genesis())
        genesisCommitment = genesis.commitment
        let count = configuration.trace?.blocks.count ?? blockCount
        blocks = (1...count).map { number in
            (generator.context(number: UInt64(number)), generator.nextBlock(size: blockSize))
        }
    }

    /// One of `takeoff bench`'s fixed scenarios: `blockCount` blocks of `blockSize` transactions over `accounts`
    /// accounts (the mainnet scenario plays `trace`, its own blocks).
    public init(scenario: BenchScenario, accounts: Int, blockCount: Int, blockSize: Int, trace: MainnetTrace? = nil) throws {
        try self.init(configuration: scenario.configuration(accounts: accounts, trace: trace), blockCount: blockCount, blockSize: blockSize)
    }

    /// What one run of every block through one executor measured.
    public struct Run: Sendable {
        /// The executor's execution phase, summed over the blocks.
        public var executionSeconds = 0.0
        /// Whole blocks (execution, change set, commitment, header), summed.
        public var blockSeconds = 0.0
        /// The commitment after the last block.
        public var commitment = StateCommitment.empty
        /// Blocks the parallel path ran, and all the blocks.
        public var parallelBlocks = 0
        public var blocks = 0
        /// Each block's execution seconds, in block order.
        public var blockExecutionSeconds: [Double] = []
    }

    /// Runs every block from genesis; times only the executor.
    public func run(_ executor: some BlockExecutor<BuiltinTransaction>) throws -> Run {
        var state = genesis
        var head = StoreHead(block: 0, blockHash: .zero, commitment: genesisCommitment)
        var run = Run()
        for (context, transactions) in blocks {
            let start = DispatchTime.now().uptimeNanoseconds
            let executed = try executor.execute(transactions, context: context, parent: head, state: state)
            run.blockSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            run.executionSeconds += executed.metrics.executionSeconds
            run.blockExecutionSeconds.append(executed.metrics.executionSeconds)
            if executed.metrics.path == .parallel { run.parallelBlocks += 1 }
            run.blocks += 1
            state.apply(executed.changeSet)
            head = executed.head
        }
        run.commitment = head.commitment
        return run
    }

    /// Each block's access sets and its transactions' measured costs: what ``BlockCosts/idealSpeedup(workers:)``
    /// needs. Each cost is the least of `passes` untimed sequential passes with `options`, so that a
    /// transaction the operating system preempted once does not pass for a long one.
    public func measureCosts(options: ExecutionOptions, passes: Int = 3) throws -> [BlockCosts] {
        let executor = SequentialExecutor(logic: BuiltinTransactionLogic.withWasmContracts(), options: options)
        var state = genesis
        var head = StoreHead(block: 0, blockHash: .zero, commitment: genesisCommitment)
        return try blocks.map { context, transactions in
            var (executed, costs) = try executor.executeMeasuringCosts(transactions, context: context, parent: head, state: state)
            for _ in 1..<max(passes, 1) {
                let again = try executor.executeMeasuringCosts(transactions, context: context, parent: head, state: state).costs
                costs = zip(costs, again).map { min($0, $1) }
            }
            state.apply(executed.changeSet)
            head = executed.head
            return BlockCosts(accessSets: executed.accessSets, costs: costs)
        }
    }
}

/// One block's access sets and its transactions' measured costs.
public struct BlockCosts: Sendable {
    /// Each transaction's access set.
    public var accessSets: [AccessSet]
    /// Each transaction's cost in seconds.
    public var costs: [Double]

    /// What the block's dependencies allow on `workers` workers.
    public func idealSpeedup(workers: Int) -> IdealSpeedup { IdealSpeedup(accessSets: accessSets, costs: costs, workers: workers) }
}
