import Foundation
import Synchronization

/// One parallel execution of one block: the multi-version memory, the scheduler, each transaction's
/// latest read set, write set and receipt, and the worker loop that every thread runs.
///
/// Workers never block: a transaction that needs an earlier one's result is parked in the scheduler and
/// the worker takes another task.
final class ParallelBlockRun<Logic: TransactionLogic>: @unchecked Sendable {
    // @unchecked: `state` must allow concurrent reads (StateReader's contract for parallel executors); every
    // other mutable field is an atomic or behind a mutex.
    let transactions: [Transaction]
    let signatures: [Bool]
    let context: BlockContext
    let processor: TransactionProcessor<Logic>
    let state: any StateReader
    let memory: MultiVersionMemory
    /// What transactions read through: the memory over the state before the block.
    let versionedState: VersionedState
    let scheduler: Scheduler
    private let slots: [TransactionSlot]
    private let incarnationCap: Int

    let incarnations = Atomic<Int>(0)
    let aborts = Atomic<Int>(0)
    let validations = Atomic<Int>(0)
    let dependencyWaits = Atomic<Int>(0)
    /// Why the run stopped early: a storage failure, or a fallback reason.
    private let stop = Mutex<Stop?>(nil)

    enum Stop: @unchecked Sendable {
        // @unchecked: the underlying error is only read after the workers have joined.
        case failure(ExecutionError)
        case fallback(String)
    }

    /// The latest incarnation's results for one transaction.
    final class TransactionSlot: Sendable {
        struct Contents: Sendable {
            var reads: [ReadRecord] = []
            var written: [KeyVersions] = []
            var receipt: Receipt?
            /// What was written to each of `written`: credits are not part of the access set.
            var writes: [BufferedWrite] = []
        }
        let contents = Mutex(Contents())
    }

    init(
        transactions: [Transaction], signatures: [Bool], context: BlockContext, processor: TransactionProcessor<Logic>,
        state: any StateReader, maximumIncarnationsPerTransaction: Int
    ) {
        self.transactions = transactions
        self.signatures = signatures
        self.context = context
        self.processor = processor
        self.state = state
        scheduler = Scheduler(count: transactions.count)
        // A transaction touches a handful of keys: sender, recipient, fee collector, a few more.
        memory = MultiVersionMemory(expectedKeys: transactions.count * 4)
        versionedState = VersionedState(memory: memory, base: state)
        slots = (0..<transactions.count).map { _ in TransactionSlot() }
        let (cap, overflow) = transactions.count.multipliedReportingOverflow(by: max(maximumIncarnationsPerTransaction, 0))
        incarnationCap = overflow ? .max : max(cap, 16)
    }

    /// Why the run stopped early, if it did.
    var stopReason: Stop? { stop.withLock { $0 } }

    // MARK: - Worker loop

    /// The loop every worker thread runs until the block is done or halted.
    func work() {
        var task: SchedulerTask?
        // One buffer per worker, cleared for each incarnation: its arrays are allocated once.
        var buffer = TransactionState(source: .parallel(versionedState, index: 0))
        while !scheduler.isDone {
            if task == nil { task = scheduler.nextTask() }
            switch task {
            case .execute(let version): task = execute(version, buffer: &buffer)
            case .validate(let version): task = validate(version)
            case nil: sched_yield()  // nothing to hand out right now: let the workers holding tasks run
            }
        }
    }

    private func halt(_ reason: Stop) {
        stop.withLock { if $0 == nil { $0 = reason } }
        scheduler.halt()
    }

    private func execute(_ version: Version, buffer: inout TransactionState) -> SchedulerTask? {
        let index = version.index
        while true {
            if incarnations.add(1, ordering: .relaxed).newValue > incarnationCap {
                halt(.fallback("re-execution cap reached (\(incarnationCap) executions)"))
                return nil
            }
            buffer.reset(source: .parallel(versionedState, index: index))
            let receipt: Receipt
            do {
                receipt = try processor.process(
                    transactions[index], signatureIsValid: signatures[index], in: context, state: &buffer)
            } catch {
                switch error {
                case .dependency(let blocking):
                    if scheduler.addDependency(index, on: blocking) {
                        dependencyWaits.add(1, ordering: .relaxed)
                        return nil
                    }
                    continue  // the blocking transaction finished meanwhile: run again now
                case .storageFailure(let underlying):
                    halt(.failure(.storageFailure(transactionIndex: index, underlying: underlying)))
                    return nil
                }
            }
            let wroteNewKey = record(index, receipt: receipt, reads: buffer.reads, keys: buffer.keys, writes: buffer.writes)
            return scheduler.finishExecution(version, wroteNewKey: wroteNewKey)
        }
    }

    /// Publishes an incarnation's writes to the multi-version memory and removes the previous incarnation's
    /// writes to keys this one did not write. Returns whether it wrote a key the previous one did not.
    private func record(
        _ index: Int, receipt: Receipt, reads: [ReadRecord], keys: [StateKey], writes: [BufferedWrite]
    ) -> Bool {
        var written: [KeyVersions] = []
        written.reserveCapacity(keys.count)
        for (key, write) in zip(keys, writes) {
            // Most written keys were read first: reuse that lookup instead of going through the shards again.
            let versions = reads.first(where: { $0.versions.key == key })?.versions ?? memory.versions(of: key)
            switch write {
            case .value(let value): versions.write(.value(value), by: index)
            case .credit(let amount): versions.write(.credit(amount), by: index)
            }
            written.append(versions)
        }
        let previous = slots[index].contents.withLock { contents in
            defer {
                contents.reads = reads
                contents.written = written
                contents.writes = writes
                contents.receipt = receipt
            }
            return contents.written
        }
        var wroteNewKey = false
        for versions in written where !previous.contains(where: { $0 === versions }) { wroteNewKey = true }
        for versions in previous where !written.contains(where: { $0 === versions }) { versions.remove(by: index) }
        return wroteNewKey
    }

    private func validate(_ version: Version) -> SchedulerTask? {
        validations.add(1, ordering: .relaxed)
        let index = version.index
        let reads = slots[index].contents.withLock { $0.reads }
        let valid = reads.allSatisfy { read in
            if case .value(let current) = read.versions.read(before: index) { return current == read.value }
            return false
        }
        let aborted = !valid && scheduler.tryValidationAbort(version)
        if aborted {
            aborts.add(1, ordering: .relaxed)
            for versions in slots[index].contents.withLock({ $0.written }) { versions.markEstimate(by: index) }
        }
        return scheduler.finishValidation(version, aborted: aborted)
    }

    // MARK: - Results

    /// The receipts of the final incarnations.
    func receipts() -> [Receipt] {
        slots.map { slot in slot.contents.withLock { $0.receipt! } }
    }

    /// The access sets of the final incarnations, built once the block is done rather than per incarnation.
    func accessSets() -> [AccessSet] {
        slots.map { slot in
            slot.contents.withLock { contents in
                var writes: [StateKey] = []
                for (versions, write) in zip(contents.written, contents.writes) {
                    if case .value = write { writes.append(versions.key) }
                }
                return AccessSet(reads: contents.reads.map(\.versions.key), writes: writes)
            }
        }
    }

    /// The block's change set: each written key's final value over its value before the block.
    func changeSet() throws(ExecutionError) -> ChangeSet {
        var changes: [StateChange] = []
        for versions in memory.allVersions where versions.isWritten {
            if case .none = versions.base {
                // Only blind writes and credits touched this key: its value before the block was never needed.
                do { versions.setBase(try state.value(for: versions.key)) } catch {
                    throw .storageFailure(transactionIndex: transactions.count, underlying: error)
                }
            }
            guard case .value(let final) = versions.read(before: transactions.count), case .some(let original) = versions.base
            else { preconditionFailure("a finished block has no estimates, and every written key's base is loaded") }
            changes.append(StateChange(key: versions.key, oldValue: original, newValue: final))
        }
        return ChangeSet(unsorted: changes)
    }
}
