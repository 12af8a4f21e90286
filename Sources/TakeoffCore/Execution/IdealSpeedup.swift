/// What a block's own dependencies allow a parallel executor to reach, to compare with what it measured.
///
/// A transaction depends on the last earlier transaction that wrote a key it reads (read after write, as the
/// access sets record them). Each transaction is weighted by its measured cost. Two figures follow:
///
/// - the **critical path**: the longest chain of dependencies, summed by cost. No number of workers finishes
///   the block sooner, so `totalCost / criticalPath` bounds the speed-up of any executor;
/// - the **schedule** for the given number of workers: a list schedule that takes the transactions in block
///   order, starts each on the worker that frees first, and never before its dependencies have finished.
///   `totalCost / scheduleLength` is the ``speedup`` an executor with no overhead reaches on those workers.
///
/// A measured speed-up far below ``speedup`` is the engine's overhead; a low ``speedup`` is the workload's
/// dependencies. Credits are left out of access sets (they commute), so a transaction that reads a key that
/// an earlier one only credited counts as independent of it: the figure is then slightly optimistic.
public struct IdealSpeedup: Hashable, Sendable, Codable {
    /// The sum of the transactions' costs: the sequential time.
    public var totalCost: Double
    /// The costliest chain of read-after-write dependencies.
    public var criticalPath: Double
    /// The workers the schedule had.
    public var workers: Int
    /// When the last transaction of the list schedule finishes.
    public var scheduleLength: Double

    /// The speed-up of the list schedule on ``workers`` workers (1 for an empty block).
    public var speedup: Double { scheduleLength > 0 ? totalCost / scheduleLength : 1 }
    /// The speed-up no number of workers can pass: total cost over the critical path.
    public var criticalPathBound: Double { criticalPath > 0 ? totalCost / criticalPath : 1 }

    /// Computes the bound of a block from its access sets and its transactions' costs, in block order.
    /// - Parameters:
    ///   - accessSets: each transaction's recorded reads and writes.
    ///   - costs: each transaction's cost (seconds, or any unit), as many as `accessSets`.
    ///   - workers: the workers to schedule on (at least 1).
    public init(accessSets: [AccessSet], costs: [Double], workers: Int) {
        precondition(accessSets.count == costs.count, "one cost per access set")
        precondition(workers >= 1, "at least one worker")
        let dependencies = RecordedDependencies(accessSets)
        // A chain ends where its last transaction finishes; the list schedule's finishing times likewise.
        var chainEnd = [Double](repeating: 0, count: costs.count)
        var finish = [Double](repeating: 0, count: costs.count)
        var workerFree = [Double](repeating: 0, count: workers)
        var longest = 0.0
        var length = 0.0
        for index in costs.indices {
            var chainStart = 0.0
            var ready = 0.0
            for position in dependencies.range(of: index) {
                let writer = Int(dependencies.writers[position])
                chainStart = max(chainStart, chainEnd[writer])
                ready = max(ready, finish[writer])
            }
            chainEnd[index] = chainStart + costs[index]
            longest = max(longest, chainEnd[index])
            var worker = 0
            for candidate in 1..<workers where workerFree[candidate] < workerFree[worker] { worker = candidate }
            finish[index] = max(ready, workerFree[worker]) + costs[index]
            workerFree[worker] = finish[index]
            length = max(length, finish[index])
        }
        totalCost = costs.reduce(0, +)
        criticalPath = longest
        self.workers = workers
        scheduleLength = length
    }
}
