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
        case fallback(FallbackReason)
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
        finalization = Finalization(count: transactions.count)
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
        if stopReason == nil { finalize() }
    }

    private func halt(_ reason: Stop) {
        stop.withLock { if $0 == nil { $0 = reason } }
        scheduler.halt()
    }

    private func execute(_ version: Version, buffer: inout TransactionState) -> SchedulerTask? {
        let index = version.index
        while true {
            if incarnations.add(1, ordering: .relaxed).newValue > incarnationCap {
                halt(.fallback(.reexecutionCap(executions: incarnationCap)))
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

    /// What the workers assemble once every transaction is validated: the work is cut into chunks that
    /// workers claim from a shared cursor, so that building the results is as parallel as executing.
    private let finalization: Finalization

    private final class Finalization: @unchecked Sendable {
        // @unchecked: each receipt and access set index is written by the one worker that claimed its chunk,
        // and read only after the workers have joined; the rest is behind mutexes or atomic.
        let cursor = Atomic<Int>(0)
        let changes = Mutex<[StateChange]>([])
        let failure = Mutex<ExecutionError?>(nil)
        /// Flat buffers rather than arrays: workers write disjoint indices at once, which an array's
        /// copy-on-write accessors do not allow.
        let receipts: UnsafeMutableBufferPointer<Receipt?>
        let accessSets: UnsafeMutableBufferPointer<AccessSet?>

        init(count: Int) {
            receipts = .allocate(capacity: count)
            receipts.initialize(repeating: nil)
            accessSets = .allocate(capacity: count)
            accessSets.initialize(repeating: nil)
        }

        deinit {
            receipts.deinitialize()
            receipts.deallocate()
            accessSets.deinitialize()
            accessSets.deallocate()
        }
    }

    static var keyChunk: Int { 4_096 }
    static var transactionChunk: Int { 1_024 }

    /// Claims chunks of keys, then of transactions, until none is left: run by every worker once the
    /// scheduler is done.
    private func finalize() {
        let keyChunks = (memory.slotCount + Self.keyChunk - 1) / Self.keyChunk
        let transactionChunks = (transactions.count + Self.transactionChunk - 1) / Self.transactionChunk
        while true {
            let chunk = finalization.cursor.add(1, ordering: .relaxed).oldValue
            if chunk < keyChunks {
                let start = chunk * Self.keyChunk
                finalizeKeys(start..<min(start + Self.keyChunk, memory.slotCount), includeOverflow: chunk == 0)
            } else if chunk < keyChunks + transactionChunks {
                let start = (chunk - keyChunks) * Self.transactionChunk
                finalizeTransactions(start..<min(start + Self.transactionChunk, transactions.count))
            } else {
                return
            }
        }
    }

    private func finalizeKeys(_ slotRange: Range<Int>, includeOverflow: Bool) {
        var changes: [StateChange] = []
        func add(_ versions: KeyVersions) throws(ExecutionError) {
            guard var settled = versions.settled(count: transactions.count) else { return }
            if case .none = settled.base {
                // Only blind writes and credits touched this key: its value before the block was never needed.
                do { _ = try versionedState.read(versions, before: transactions.count) } catch {
                    guard case .storageFailure(let underlying) = error else { preconditionFailure("a finished block has no estimates") }
                    throw .storageFailure(transactionIndex: transactions.count, underlying: underlying)
                }
                settled = versions.settled(count: transactions.count)!
            }
            guard case .value(let final) = settled.final, case .some(let original) = settled.base
            else { preconditionFailure("a finished block has no estimates, and every written key's base is loaded") }
            if original != final { changes.append(StateChange(key: versions.key, oldValue: original, newValue: final)) }
        }
        do {
            for slot in slotRange { if let versions = memory.versions(atSlot: slot) { try add(versions) } }
            if includeOverflow { for versions in memory.overflowVersions { try add(versions) } }
        } catch {
            finalization.failure.withLock { if $0 == nil { $0 = error } }
        }
        finalization.changes.withLock { $0.append(contentsOf: changes) }
    }

    private func finalizeTransactions(_ range: Range<Int>) {
        for index in range {
            slots[index].contents.withLock { contents in
                finalization.receipts[index] = contents.receipt!
                var writes: [StateKey] = []
                writes.reserveCapacity(contents.written.count)
                for (versions, write) in zip(contents.written, contents.writes) {
                    if case .value = write { writes.append(versions.key) }
                }
                var reads: [StateKey] = []
                reads.reserveCapacity(contents.reads.count)
                for read in contents.reads { reads.append(read.versions.key) }
                finalization.accessSets[index] = AccessSet(reads: reads, writes: writes)
            }
        }
    }

    /// Frees the run's multi-version memory, transaction slots and scheduler (tens of thousands of small
    /// objects) on a background thread, off the block's critical path. Only those: the state the block read
    /// (an LMDB snapshot, a store whose writer lock a caller may want back at once) is released by the
    /// caller as usual.
    func retireInBackground() {
        let parts = (memory, slots, scheduler)
        DispatchQueue.global(qos: .utility).async { withExtendedLifetime(parts) {} }
    }

    /// The receipts, change set and access sets of the final incarnations (after ``work()`` returned on
    /// every worker of a run that was not stopped).
    func results() throws(ExecutionError) -> (receipts: [Receipt], changeSet: ChangeSet, accessSets: [AccessSet]) {
        if let failure = finalization.failure.withLock({ $0 }) { throw failure }
        let receipts = finalization.receipts.map { $0! }
        let accessSets = finalization.accessSets.map { $0! }
        return (receipts, ChangeSet(unsortedDistinct: finalization.changes.withLock { $0 }), accessSets)
    }
}
