import Synchronization

/// A transaction's incarnation: the `incarnation`-th execution of transaction `index`.
struct Version: Hashable, Sendable {
    var index: Int
    var incarnation: Int
}

/// What a worker does next.
enum SchedulerTask: Sendable {
    case execute(Version)
    case validate(Version)
}

/// The collaborative scheduler of Block-STM: hands out execution and validation tasks, lowest index first,
/// and tracks when the block is done.
///
/// Each transaction moves through these states (the incarnation goes up by one on every abort):
///
///     readyToExecute(i) --next task--> executing(i) --finished--> executed(i)
///          ^                               |                          |
///          |                     read an estimate              validation failed
///          |                               v                          v
///          +----- dependency resolved -- aborting(i) <----------------+
///                 or re-validation        (then readyToExecute(i + 1))
///
/// Memory ordering: the counters are sequentially consistent atomics; each transaction's status and its
/// dependents are guarded by their own mutexes. Lock order: a transaction's dependents lock, then the same
/// or another transaction's status lock.
final class Scheduler: Sendable {
    enum Status: Sendable, Equatable {
        case readyToExecute, executing, executed, aborting
    }

    struct StatusCell: Sendable {
        var incarnation = 0
        var status = Status.readyToExecute
    }

    /// Padded so that neighbouring transactions, usually run by different workers, never share a line.
    final class TransactionCell: Sendable {
        let status = Mutex(StatusCell())
        let dependents = Mutex<[Int]>([])
        private let padding = CacheLinePadding()
    }

    let count: Int
    private let cells: [TransactionCell]
    // Each counter on its own cache line: every worker updates them for every task.
    private let executionIndex = PaddedAtomicInt(0)
    private let validationIndex = PaddedAtomicInt(0)
    private let decreaseCount = PaddedAtomicInt(0)
    private let activeTasks = PaddedAtomicInt(0)
    private let doneMarker = PaddedAtomicBool(false)

    init(count: Int) {
        self.count = count
        cells = (0..<count).map { _ in TransactionCell() }
        if count == 0 { doneMarker.value.store(true, ordering: .sequentiallyConsistent) }
    }

    /// Whether every transaction is executed and validated (or the run was halted).
    var isDone: Bool { doneMarker.value.load(ordering: .sequentiallyConsistent) }

    /// Stops every worker at its next check: used when the run falls back or fails.
    func halt() { doneMarker.value.store(true, ordering: .sequentiallyConsistent) }

    /// The next task, validation first when a lower index needs it.
    func nextTask() -> SchedulerTask? {
        if validationIndex.value.load(ordering: .sequentiallyConsistent) < executionIndex.value.load(ordering: .sequentiallyConsistent) {
            if let version = nextVersionToValidate() { return .validate(version) }
        } else {
            if let version = nextVersionToExecute() { return .execute(version) }
        }
        return nil
    }

    /// Records that transaction `index` read an estimate written by `blocking`. Returns false when
    /// `blocking` has finished meanwhile (the caller re-executes at once); otherwise `index` waits, its
    /// task ends, and it is re-scheduled when `blocking` finishes.
    func addDependency(_ index: Int, on blocking: Int) -> Bool {
        let added = cells[blocking].dependents.withLock { dependents in
            if cells[blocking].status.withLock({ $0.status }) == .executed { return false }
            cells[index].status.withLock { $0.status = .aborting }
            dependents.append(index)
            return true
        }
        if added { activeTasks.value.subtract(1, ordering: .sequentiallyConsistent) }
        return added
    }

    /// Records the end of an execution; may hand back the validation of the same version.
    /// - Parameter wroteNewKey: whether this incarnation wrote a key the previous one did not, in which case
    ///   every higher transaction must be validated again.
    func finishExecution(_ version: Version, wroteNewKey: Bool) -> SchedulerTask? {
        cells[version.index].status.withLock { $0.status = .executed }
        let dependents = cells[version.index].dependents.withLock { dependents in
            defer { dependents.removeAll() }
            return dependents
        }
        resume(dependents)
        if validationIndex.value.load(ordering: .sequentiallyConsistent) > version.index {
            if wroteNewKey {
                decreaseValidationIndex(to: version.index)
            } else {
                return .validate(version)
            }
        }
        activeTasks.value.subtract(1, ordering: .sequentiallyConsistent)
        return nil
    }

    /// Claims the abort of a version whose validation failed; false when another worker already did or the
    /// version is stale.
    func tryValidationAbort(_ version: Version) -> Bool {
        cells[version.index].status.withLock { cell in
            guard cell.incarnation == version.incarnation, cell.status == .executed else { return false }
            cell.status = .aborting
            return true
        }
    }

    /// Records the end of a validation; after an abort, may hand back the re-execution.
    func finishValidation(_ version: Version, aborted: Bool) -> SchedulerTask? {
        if aborted {
            setReady(version.index)
            decreaseValidationIndex(to: version.index + 1)
            if executionIndex.value.load(ordering: .sequentiallyConsistent) > version.index, let next = tryIncarnate(version.index) {
                return .execute(next)  // the validation task's slot carries over to the execution
            }
        }
        activeTasks.value.subtract(1, ordering: .sequentiallyConsistent)
        return nil
    }

    // MARK: - Internals

    private func nextVersionToExecute() -> Version? {
        if executionIndex.value.load(ordering: .sequentiallyConsistent) >= count {
            checkDone()
            return nil
        }
        activeTasks.value.add(1, ordering: .sequentiallyConsistent)
        let index = executionIndex.value.add(1, ordering: .sequentiallyConsistent).oldValue
        if let version = tryIncarnate(index) { return version }
        activeTasks.value.subtract(1, ordering: .sequentiallyConsistent)
        return nil
    }

    private func nextVersionToValidate() -> Version? {
        if validationIndex.value.load(ordering: .sequentiallyConsistent) >= count {
            checkDone()
            return nil
        }
        activeTasks.value.add(1, ordering: .sequentiallyConsistent)
        let index = validationIndex.value.add(1, ordering: .sequentiallyConsistent).oldValue
        if index < count {
            let cell = cells[index].status.withLock { $0 }
            if cell.status == .executed { return Version(index: index, incarnation: cell.incarnation) }
        }
        activeTasks.value.subtract(1, ordering: .sequentiallyConsistent)
        return nil
    }

    private func tryIncarnate(_ index: Int) -> Version? {
        guard index < count else { return nil }
        return cells[index].status.withLock { cell in
            guard cell.status == .readyToExecute else { return nil }
            cell.status = .executing
            return Version(index: index, incarnation: cell.incarnation)
        }
    }

    private func setReady(_ index: Int) {
        cells[index].status.withLock { cell in
            cell.incarnation += 1
            cell.status = .readyToExecute
        }
    }

    private func resume(_ dependents: [Int]) {
        guard let lowest = dependents.min() else { return }
        for index in dependents { setReady(index) }
        decreaseExecutionIndex(to: lowest)
    }

    private func decreaseExecutionIndex(to target: Int) {
        executionIndex.value.min(target, ordering: .sequentiallyConsistent)
        decreaseCount.value.add(1, ordering: .sequentiallyConsistent)
    }

    private func decreaseValidationIndex(to target: Int) {
        validationIndex.value.min(target, ordering: .sequentiallyConsistent)
        decreaseCount.value.add(1, ordering: .sequentiallyConsistent)
    }

    private func checkDone() {
        let observed = decreaseCount.value.load(ordering: .sequentiallyConsistent)
        if min(executionIndex.value.load(ordering: .sequentiallyConsistent), validationIndex.value.load(ordering: .sequentiallyConsistent)) >= count,
            activeTasks.value.load(ordering: .sequentiallyConsistent) == 0,
            observed == decreaseCount.value.load(ordering: .sequentiallyConsistent)
        {
            doneMarker.value.store(true, ordering: .sequentiallyConsistent)
        }
    }
}
