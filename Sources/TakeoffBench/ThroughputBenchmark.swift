import Logging
import TakeoffBuiltinChain
import TakeoffCore
import TakeoffWasm

/// The parallel executor against the sequential one on the same blocks, in the same run: what `takeoff bench`
/// and its sweep measure at every point. Each repetition runs the sequential executor, then the parallel one at
/// each thread count (interleaved, so that the machine's drift touches them alike), and requires the same
/// commitment from all of them; the fastest repetition counts. Each block's ideal speed-up is measured after.
public struct ThroughputBenchmark: Sendable {
    /// Thread counts of the parallel executor, one result each.
    public var threads: [Int]
    /// Repetitions; the fastest counts (the machine is shared and noisy).
    public var repeats: Int
    /// Rounds of SHA-256 work in every transaction.
    public var workRoundsPerTransaction: Int
    /// Let the parallel executor fall back to the sequential path as in production; off measures the parallel
    /// path itself.
    public var fallback: Bool
    /// Where the executors log.
    public var logger: Logger

    /// Creates a benchmark.
    public init(threads: [Int], repeats: Int = 3, workRoundsPerTransaction: Int = 0, fallback: Bool = true, logger: Logger = TakeoffLogging.silent) {
        self.threads = threads
        self.repeats = max(repeats, 1)
        self.workRoundsPerTransaction = workRoundsPerTransaction
        self.fallback = fallback
        self.logger = logger
    }

    /// Measures `workload`, its results labelled `label`: one result per thread count, in order.
    /// - Throws: ``BenchError/commitmentsDiffer(label:workRounds:threads:)`` when an executor disagrees with the
    ///   sequential one; the executors' errors.
    public func measure(_ workload: BenchWorkload, label: String) throws -> [BenchResult] {
        let options = ExecutionOptions(verifySignatures: false, workRoundsPerTransaction: workRoundsPerTransaction)
        let sequential = SequentialExecutor(logic: BuiltinTransactionLogic.withWasmContracts(), options: options)
        let parallels = threads.map {
            ParallelExecutor(
                logic: BuiltinTransactionLogic.withWasmContracts(), options: options, threads: $0, policy: fallback ? FallbackPolicy() : .alwaysParallel,
                logger: logger)
        }
        var results = threads.map { BenchResult(scenario: label, threads: $0, transactions: workload.transactionCount) }
        for _ in 0..<repeats {
            let sequentialRun = try workload.run(sequential)
            for (index, parallel) in parallels.enumerated() {
                let parallelRun = try workload.run(parallel)
                guard parallelRun.commitment == sequentialRun.commitment else {
                    throw BenchError.commitmentsDiffer(label: label, workRounds: workRoundsPerTransaction, threads: threads[index])
                }
                results[index].add(sequential: sequentialRun, parallel: parallelRun)
            }
        }
        let costs = try workload.measureCosts(options: options)
        for index in results.indices { results[index].ideal = costs.map { $0.idealSpeedup(workers: threads[index]) } }
        return results
    }
}
