import Testing
import Takeoff

/// Checks a parallel executor against the sequential reference on one block: receipts, change set, header
/// (and so commitment) must be identical, and the parallel path must really have run the block (a block that
/// fell back to sequential would prove nothing about the parallel executor).
struct DifferentialHarness {
    static let threadCounts = [1, 2, 4, 8]
    /// Never falls back, not even at the re-execution cap: every block runs on the worker threads.
    static let parallelOnly: FallbackPolicy = {
        var policy = FallbackPolicy.alwaysParallel
        policy.maximumIncarnationsPerTransaction = .max
        return policy
    }()
    var logic = BuiltinTransactionLogic()
    let options = ExecutionOptions(verifySignatures: false)

    /// Runs `transactions` on the reference and on the parallel executor with every thread count; records an
    /// issue naming `label` (the seed) on any difference. Returns the reference result.
    @discardableResult
    func check(
        _ transactions: [BuiltinTransaction], context: BlockContext, parent: StoreHead, state: InMemoryState, label: String,
        policy: FallbackPolicy = parallelOnly, threadCounts: [Int] = threadCounts
    ) throws -> ExecutedBlock<BuiltinTransaction> {
        let reference = try SequentialExecutor(logic: logic, options: options)
            .execute(transactions, context: context, parent: parent, state: state)
        for threads in threadCounts {
            let parallel = try ParallelExecutor(logic: logic, options: options, threads: threads, policy: policy)
                .execute(transactions, context: context, parent: parent, state: state)
            let same = parallel.receipts == reference.receipts && parallel.changeSet == reference.changeSet
                && parallel.header == reference.header && parallel.accessSets == reference.accessSets
            #expect(same, "\(label), \(threads) threads, \(transactions.count) transactions: parallel differs from sequential")
            #expect(
                parallel.metrics.path == .parallel && parallel.metrics.threads == threads
                    && parallel.metrics.incarnations >= transactions.count,
                "\(label), \(threads) threads: the block did not run on the parallel path (\(parallel.metrics.reason))")
            if !same { break }
        }
        return reference
    }
}
