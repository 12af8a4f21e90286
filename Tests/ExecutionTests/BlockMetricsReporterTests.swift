import MetricsTestKit
import Testing
import Takeoff
import TakeoffWorkloads

/// The swift-metrics counters that ``BlockMetricsReporter`` keeps agree with the executors' own metrics.
@Suite struct BlockMetricsReporterTests {
    @Test func countersAddUpTheBlocksMetrics() throws {
        let metrics = TestMetrics()
        let reporter = BlockMetricsReporter(factory: metrics)
        let executor = ParallelExecutor(
            logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false), threads: 2,
            policy: FallbackPolicy(
                minimumBlockSize: 50, minimumEstimatedParallelism: 0, maximumIncarnationsPerTransaction: 1_000, adaptive: false))
        // Hot-spot transfers give the parallel path conflicts (aborts, when the workers' timing makes them);
        // 20-transaction blocks fall back.
        let generator = try WorkloadGenerator(
            WorkloadConfiguration(kind: .hotspot, accounts: 300, signed: false, hotAccounts: 1, hotFraction: 0.5))
        var state = InMemoryState(pairs: generator.genesis())
        var head = StoreHead(block: 0, blockHash: .zero, commitment: state.commitment)
        var totals = ExecutionTotals()
        var gas: UInt64 = 0
        var transactions = 0
        for (number, size) in [400, 20, 400, 20, 400].enumerated() {
            let executed = try executor.execute(
                generator.nextBlock(size: size), context: generator.context(number: UInt64(number + 1)), parent: head, state: state)
            reporter.record(executed)
            totals.add(executed.metrics)
            gas += executed.receipts.reduce(0) { $0 + $1.gasUsed }
            transactions += executed.receipts.count
            state.apply(executed.changeSet)
            head = executed.head
        }
        #expect(totals.parallelBlocks == 3 && totals.sequentialBlocks == 2)
        #expect(try metrics.expectCounter("takeoff_blocks_total", [("path", "parallel")]).totalValue == 3)
        #expect(try metrics.expectCounter("takeoff_blocks_total", [("path", "sequential")]).totalValue == 2)
        #expect(try metrics.expectCounter("takeoff_fallbacks_total", [("reason", "small block")]).totalValue == 2)
        #expect(try metrics.expectCounter("takeoff_incarnations_total").totalValue == Int64(totals.incarnations))
        #expect(try metrics.expectCounter("takeoff_aborts_total").totalValue == Int64(totals.aborts))
        #expect(try metrics.expectCounter("takeoff_validations_total").totalValue == Int64(totals.validations))
        #expect(try metrics.expectCounter("takeoff_dependency_waits_total").totalValue == Int64(totals.dependencyWaits))
        #expect(try metrics.expectCounter("takeoff_transactions_total").totalValue == Int64(transactions))
        #expect(try metrics.expectCounter("takeoff_gas_total").totalValue == Int64(gas))
        #expect(try metrics.expectTimer("takeoff_block_execution_seconds").values.count == 5)
    }
}

/// ``ExecutionOptions/measuresTransactionCosts`` times every transaction without changing any result.
@Suite struct TransactionCostTests {
    @Test func measuredCostsLeaveTheBlockAsItWas() throws {
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .uniform, accounts: 5_000, signed: false))
        let state = InMemoryState(pairs: generator.genesis())
        let head = StoreHead(block: 0, blockHash: .zero, commitment: state.commitment)
        let block = generator.nextBlock(size: 600)
        let context = generator.context(number: 1)
        let plain = ExecutionOptions(verifySignatures: false)
        var measuring = plain
        measuring.measuresTransactionCosts = true
        let reference = try SequentialExecutor(logic: BuiltinTransactionLogic(), options: plain)
            .execute(block, context: context, parent: head, state: state)
        #expect(reference.transactionCosts.isEmpty)
        let executors: [(String, any BlockExecutor<BuiltinTransaction>)] = [
            ("sequential", SequentialExecutor(logic: BuiltinTransactionLogic(), options: measuring)),
            ("parallel", ParallelExecutor(logic: BuiltinTransactionLogic(), options: measuring, threads: 2, policy: .alwaysParallel)),
            // One thread: the parallel executor's sequential path measures too.
            ("fallback", ParallelExecutor(logic: BuiltinTransactionLogic(), options: measuring, threads: 1)),
        ]
        for (name, executor) in executors {
            let executed = try executor.execute(block, context: context, parent: head, state: state)
            #expect(executed.header == reference.header, "\(name)")
            #expect(executed.transactionCosts.count == block.count, "\(name)")
            #expect(executed.transactionCosts.allSatisfy { $0 > 0 }, "\(name)")
        }
        let parallel = try ParallelExecutor(logic: BuiltinTransactionLogic(), options: measuring, threads: 2, policy: .alwaysParallel)
            .execute(block, context: context, parent: head, state: state)
        #expect(parallel.metrics.path == .parallel, "the parallel path ran")
    }
}
