import Dispatch
import Metrics
import Synchronization

/// Reports executed blocks to swift-metrics, whatever backend the application bootstrapped (none by default,
/// which costs next to nothing). The archive module's `BlockPipeline` reports every block it executes; a
/// chain that calls an executor directly can call ``record(_:)`` itself. Metrics are created against the
/// factory at `init`, so bootstrap the backend before creating a reporter (or a pipeline).
///
/// Counters (`_total`): blocks by path, sequential fallbacks by reason, incarnations (executions, counting
/// re-executions), aborts, validations, dependency waits, seconds per phase, transactions and gas. Gauges:
/// transactions and gas per second over the last second or more. Timer: each block's execution.
public final class BlockMetricsReporter: Sendable {
    private let parallelBlocks: Counter
    private let sequentialBlocks: Counter
    private let incarnations: Counter
    private let aborts: Counter
    private let validations: Counter
    private let dependencyWaits: Counter
    private let signatureSeconds: FloatingPointCounter
    private let executionSeconds: FloatingPointCounter
    private let finalizationSeconds: FloatingPointCounter
    private let transactions: Counter
    private let gas: Counter
    private let transactionsPerSecond: Gauge
    private let gasPerSecond: Gauge
    private let blockExecution: Metrics.Timer

    /// The blocks since the rates were last set: when the window began, and what it has counted.
    private struct Window {
        var start: UInt64
        var transactions = 0
        var gas: UInt64 = 0
    }
    private let window: Mutex<Window>

    private let factory: any MetricsFactory

    /// Creates a reporter whose metrics go to `factory`: by default the one the application bootstrapped.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        parallelBlocks = Counter(label: "takeoff_blocks_total", dimensions: [("path", "parallel")], factory: factory)
        sequentialBlocks = Counter(label: "takeoff_blocks_total", dimensions: [("path", "sequential")], factory: factory)
        incarnations = Counter(label: "takeoff_incarnations_total", factory: factory)
        aborts = Counter(label: "takeoff_aborts_total", factory: factory)
        validations = Counter(label: "takeoff_validations_total", factory: factory)
        dependencyWaits = Counter(label: "takeoff_dependency_waits_total", factory: factory)
        signatureSeconds = FloatingPointCounter(label: "takeoff_phase_seconds_total", dimensions: [("phase", "signatures")], factory: factory)
        executionSeconds = FloatingPointCounter(label: "takeoff_phase_seconds_total", dimensions: [("phase", "execution")], factory: factory)
        finalizationSeconds = FloatingPointCounter(label: "takeoff_phase_seconds_total", dimensions: [("phase", "finalization")], factory: factory)
        transactions = Counter(label: "takeoff_transactions_total", factory: factory)
        gas = Counter(label: "takeoff_gas_total", factory: factory)
        transactionsPerSecond = Gauge(label: "takeoff_transactions_per_second", factory: factory)
        gasPerSecond = Gauge(label: "takeoff_gas_per_second", factory: factory)
        blockExecution = Metrics.Timer(label: "takeoff_block_execution_seconds", factory: factory)
        window = Mutex(Window(start: DispatchTime.now().uptimeNanoseconds))
    }

    /// Counts one executed block.
    public func record<Transaction>(_ executed: ExecutedBlock<Transaction>) {
        let metrics = executed.metrics
        (metrics.path == .parallel ? parallelBlocks : sequentialBlocks).increment()
        if let reason = metrics.fallbackReason {
            Counter(label: "takeoff_fallbacks_total", dimensions: [("reason", reason.category)], factory: factory).increment()
        }
        incarnations.increment(by: metrics.incarnations)
        aborts.increment(by: metrics.aborts)
        validations.increment(by: metrics.validations)
        dependencyWaits.increment(by: metrics.dependencyWaits)
        signatureSeconds.increment(by: metrics.signatureSeconds)
        executionSeconds.increment(by: metrics.executionSeconds)
        finalizationSeconds.increment(by: metrics.finalizationSeconds)
        blockExecution.recordNanoseconds(Int64(metrics.executionSeconds * 1e9))
        let gasUsed = executed.gasUsed
        let count = Int(executed.header.transactionCount)
        transactions.increment(by: count)
        gas.increment(by: Int(truncatingIfNeeded: gasUsed))
        let rates: (Double, Double)? = window.withLock { window in
            window.transactions += count
            window.gas &+= gasUsed
            let now = DispatchTime.now().uptimeNanoseconds
            let seconds = Double(now - window.start) / 1e9
            guard seconds >= 1 else { return nil }
            defer { window = Window(start: now) }
            return (Double(window.transactions) / seconds, Double(window.gas) / seconds)
        }
        if let (transactionRate, gasRate) = rates {
            transactionsPerSecond.record(transactionRate)
            gasPerSecond.record(gasRate)
        }
    }
}
