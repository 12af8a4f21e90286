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
        // Hot-spot transfers make the parallel path abort and re-execute; 20-transaction blocks fall back.
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
        #expect(totals.aborts > 0, "the hot spot should make the parallel path abort")
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
