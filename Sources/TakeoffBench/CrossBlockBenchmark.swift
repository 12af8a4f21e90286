import Dispatch
import TakeoffBuiltinChain
import TakeoffCore
import TakeoffWasm

/// Consecutive blocks executed in groups (`BlockExecutor.execute(group:parent:state:)`: the recorded access
/// sets of a group as one dependency graph) against the same blocks one at a time with their access sets, as
/// a replay runs them: what cross-block execution buys, beside what each block's own dependencies allow and
/// what the groups' allow.
public struct CrossBlockBenchmark: Sendable {
    /// Worker threads of the parallel executor.
    public var threads: Int
    /// Repetitions; the fastest counts.
    public var repeats: Int
    /// Transactions in a group at most (a larger block runs alone).
    public var groupTransactions: Int
    /// Blocks in a group at most.
    public var groupBlocks: Int
    /// Let the executor fall back to sequential as shipped; off measures the parallel path itself.
    public var fallback: Bool

    /// Creates the benchmark.
    public init(threads: Int, repeats: Int = 3, groupTransactions: Int = 4_096, groupBlocks: Int = 16, fallback: Bool = true) {
        self.threads = threads
        self.repeats = max(1, repeats)
        self.groupTransactions = max(1, groupTransactions)
        self.groupBlocks = max(1, groupBlocks)
        self.fallback = fallback
    }

    /// What it measured: whole-block seconds (execution, change sets, commitments, headers), best of the repeats.
    public struct Result: Sendable, Encodable {
        public var scenario: String
        public var threads: Int
        public var blocks: Int
        public var groups: Int
        public var transactions: Int
        public var sequentialSeconds = Double.infinity
        public var blockByBlockSeconds = Double.infinity
        public var groupedSeconds = Double.infinity
        /// Groups that ran as one parallel run, in the last repetition (the others ran block by block).
        public var groupsRunTogether = 0
        /// The ideal speed-up of the blocks one at a time (their summed list schedules) and of the groups.
        public var perBlockIdeal = 1.0
        public var crossBlockIdeal = 1.0

        /// One line for the table.
        public var row: String {
            func rate(_ seconds: Double) -> Int { seconds > 0 ? Int(Double(transactions) / seconds) : 0 }
            return "cross-block    \(threads)        \(groups) groups of \(blocks) blocks: sequential \(rate(sequentialSeconds)) tx/s, "
                + "block by block \(rate(blockByBlockSeconds)) (\(String(format: "%.2f", sequentialSeconds / blockByBlockSeconds))x), "
                + "grouped \(rate(groupedSeconds)) (\(String(format: "%.2f", sequentialSeconds / groupedSeconds))x, \(groupsRunTogether) groups as one run); "
                + "ideal \(String(format: "%.2f", perBlockIdeal))x block by block, \(String(format: "%.2f", crossBlockIdeal))x across each group"
        }
    }

    /// The blocks of `workload` cut into groups: consecutive blocks while they hold at most `groupTransactions`.
    func groups(of workload: BenchWorkload) -> [Range<Int>] {
        var groups: [Range<Int>] = []
        var start = 0
        var transactions = 0
        for (index, block) in workload.blocks.enumerated() {
            if index > start, transactions + block.1.count > groupTransactions || index - start >= groupBlocks {
                groups.append(start..<index)
                start = index
                transactions = 0
            }
            transactions += block.1.count
        }
        if start < workload.blocks.count { groups.append(start..<workload.blocks.count) }
        return groups
    }

    /// Measures `workload`, labelled `label`.
    /// - Throws: ``BenchError/commitmentsDiffer(label:workRounds:threads:)`` when a path ends elsewhere than the
    ///   sequential one; the executors' errors.
    public func measure(_ workload: BenchWorkload, label: String) throws -> Result {
        let options = ExecutionOptions(verifySignatures: false)
        let costs = try workload.measureCosts(options: options)
        let groups = groups(of: workload)
        var result = Result(
            scenario: label, threads: threads, blocks: workload.blocks.count, groups: groups.count, transactions: workload.transactionCount)
        let perBlock = costs.map { $0.idealSpeedup(workers: threads) }
        result.perBlockIdeal = perBlock.reduce(0) { $0 + $1.totalCost } / max(perBlock.reduce(0) { $0 + $1.scheduleLength }, .leastNonzeroMagnitude)
        let grouped = groups.map { range in
            IdealSpeedup(accessSets: costs[range].flatMap(\.accessSets), costs: costs[range].flatMap(\.costs), workers: threads)
        }
        result.crossBlockIdeal = grouped.reduce(0) { $0 + $1.totalCost } / max(grouped.reduce(0) { $0 + $1.scheduleLength }, .leastNonzeroMagnitude)

        let sequential = SequentialExecutor(logic: BuiltinTransactionLogic.withWasmContracts(), options: options)
        let parallel = ParallelExecutor(
            logic: BuiltinTransactionLogic.withWasmContracts(), options: options, threads: threads, policy: fallback ? FallbackPolicy() : .alwaysParallel)
        for _ in 0..<repeats {
            var state = workload.genesis
            var head = StoreHead(block: 0, blockHash: .zero, commitment: workload.genesisCommitment)
            var seconds = 0.0
            for (context, transactions) in workload.blocks {
                let start = DispatchTime.now().uptimeNanoseconds
                let executed = try sequential.execute(transactions, context: context, parent: head, state: state)
                seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                state.apply(executed.changeSet)
                head = executed.head
            }
            result.sequentialSeconds = min(result.sequentialSeconds, seconds)
            let reference = head.commitment

            state = workload.genesis
            head = StoreHead(block: 0, blockHash: .zero, commitment: workload.genesisCommitment)
            seconds = 0
            for (index, (context, transactions)) in workload.blocks.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                let executed = try parallel.execute(transactions, context: context, parent: head, state: state, accessHints: costs[index].accessSets)
                seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                state.apply(executed.changeSet)
                head = executed.head
            }
            guard head.commitment == reference else { throw BenchError.commitmentsDiffer(label: label, workRounds: 0, threads: threads) }
            result.blockByBlockSeconds = min(result.blockByBlockSeconds, seconds)

            state = workload.genesis
            head = StoreHead(block: 0, blockHash: .zero, commitment: workload.genesisCommitment)
            seconds = 0
            result.groupsRunTogether = 0
            for range in groups {
                let group = range.map { index in
                    GroupedBlock(transactions: workload.blocks[index].1, context: workload.blocks[index].0, accessHints: costs[index].accessSets)
                }
                let start = DispatchTime.now().uptimeNanoseconds
                let executed = try parallel.execute(group: group, parent: head, state: state)
                seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if executed.first?.metrics.crossBlockGroup != nil { result.groupsRunTogether += 1 }
                for block in executed { state.apply(block.changeSet) }
                head = executed.last!.head
            }
            guard head.commitment == reference else { throw BenchError.commitmentsDiffer(label: label, workRounds: 0, threads: threads) }
            result.groupedSeconds = min(result.groupedSeconds, seconds)
        }
        return result
    }
}
