import Foundation
import Synchronization

/// One parallel execution of one block, or of consecutive blocks as one (a replay's group, see
/// ``BlockLayout``): the multi-version memory, the scheduler, each transaction's latest read set, write set
/// and receipt, and the worker loop that every thread runs.
///
/// Workers never block: a transaction that needs an earlier one's result is parked in the scheduler and
/// the worker takes another task.
final class ParallelBlockRun<Logic: TransactionLogic>: @unchecked Sendable {
    // @unchecked: `state` must allow concurrent reads (StateReader's contract for parallel executors); every
    // other mutable field is an atomic or behind a mutex.
    let transactions: [Logic.Transaction]
    let authentications: [ReceiptStatus?]
    /// Where each block's transactions lie in `transactions`, and each block's context.
    let layout: BlockLayout
    let processor: TransactionProcessor<Logic>
    let state: any StateReader
    let memory: MultiVersionMemory
    /// What transactions read through: the memory over the state before the block.
    let versionedState: VersionedState
    let scheduler: Scheduler
    private let slots: [TransactionSlot]
    private let incarnationCap: Int
    /// Whether each execution is timed (``ExecutionOptions/measuresTransactionCosts``).
    private let measuresCosts: Bool
    /// A replay's recorded dependencies (one entry per transaction), or nil.
    private let recorded: RecordedDependencies?

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

    /// A key an incarnation wrote.
    struct WrittenKey: Sendable {
        var slot: KeySlot
        /// Credits are not part of the access set.
        var isCredit: Bool
    }

    /// The latest incarnation's results for one transaction. Its arrays are refilled in place by each
    /// incarnation, so they are allocated once per transaction, not once per incarnation.
    final class TransactionSlot: Sendable {
        struct Contents: Sendable {
            var reads: [ReadRecord] = []
            var written: [WrittenKey] = []
            var receipt: Receipt?
        }
        let contents = Mutex(Contents())
    }

    /// A worker's scratch arrays, reused for every task it runs.
    struct WorkerBuffers {
        var transaction: TransactionState
        var written: [WrittenKey] = []
        var stale: [KeySlot] = []
        var reads: [ReadRecord] = []
    }

    init(
        transactions: [Logic.Transaction], authentications: [ReceiptStatus?], layout: BlockLayout, processor: TransactionProcessor<Logic>,
        state: any StateReader, maximumIncarnationsPerTransaction: Int, expectedKeys: Int,
        recordedDependencies: RecordedDependencies? = nil
    ) {
        self.transactions = transactions
        self.authentications = authentications
        precondition(layout.transactionCount == transactions.count, "the layout covers every transaction")
        self.layout = layout
        self.processor = processor
        self.state = state
        scheduler = Scheduler(count: transactions.count)
        memory = MultiVersionMemory(expectedKeys: expectedKeys)
        versionedState = VersionedState(memory: memory, base: state)
        slots = (0..<transactions.count).map { _ in TransactionSlot() }
        measuresCosts = processor.options.measuresTransactionCosts
        finalization = Finalization(count: transactions.count, blocks: layout.contexts.count, measuringCosts: measuresCosts)
        let (cap, overflow) = transactions.count.multipliedReportingOverflow(by: max(maximumIncarnationsPerTransaction, 0))
        incarnationCap = overflow ? .max : max(cap, 16)
        precondition(recordedDependencies == nil || recordedDependencies!.count == transactions.count, "one entry per transaction")
        recorded = recordedDependencies
    }

    /// Why the run stopped early, if it did.
    var stopReason: Stop? { stop.withLock { $0 } }

    // MARK: - Worker loop

    /// The loop every worker thread runs until the block is done or halted.
    func work() {
        var task: SchedulerTask?
        // One set of buffers per worker, cleared for each incarnation: its arrays are allocated once.
        var buffers = WorkerBuffers(transaction: TransactionState(source: .parallel(versionedState, index: 0)))
        // Transactions are borrowed from the block's storage: copying one costs a reference count per field.
        transactions.withUnsafeBufferPointer { transactions in
            while !scheduler.isDone {
                if task == nil { task = scheduler.nextTask() }
                switch task {
                case .execute(let version): task = execute(version, of: transactions, buffers: &buffers)
                case .validate(let version): task = validate(version, buffers: &buffers)
                case nil: sched_yield()  // nothing to hand out right now: let the workers holding tasks run
                }
            }
        }
        if stopReason == nil { finalize() }
    }

    private func halt(_ reason: Stop) {
        stop.withLock { if $0 == nil { $0 = reason } }
        scheduler.halt()
    }

    private func execute(
        _ version: Version, of transactions: UnsafeBufferPointer<Logic.Transaction>, buffers: inout WorkerBuffers
    ) -> SchedulerTask? {
        let index = version.index
        if !recordedWritersHaveExecuted(index) { return nil }
        while true {
            // No clock read unless costs are measured.
            let started = measuresCosts ? DispatchTime.now().uptimeNanoseconds : 0
            if incarnations.add(1, ordering: .relaxed).newValue > incarnationCap {
                halt(.fallback(.reexecutionCap(executions: incarnationCap)))
                return nil
            }
            buffers.transaction.reset(source: .parallel(versionedState, index: index))
            let receipt: Receipt
            do {
                // A transaction runs as its own block's: its context, and its index within that block.
                let block = layout.block(of: index)
                receipt = try processor.process(
                    transactions[index], index: index - layout.starts[block], authentication: authentications[index],
                    in: layout.contexts[block], state: &buffers.transaction)
            } catch {
                switch error {
                case .dependency(let blocking):
                    if scheduler.addDependency(index, on: blocking) {
                        dependencyWaits.add(1, ordering: .relaxed)
                        return nil
                    }
                    continue  // the blocking transaction finished meanwhile: run again now
                case .storageFailure(let full as KeyTableFull):
                    halt(.fallback(.keyTableFull(slots: full.slots)))
                    return nil
                case .storageFailure(let underlying):
                    halt(.failure(.storageFailure(transactionIndex: index, underlying: underlying)))
                    return nil
                }
            }
            guard let wroteNewKey = record(index, receipt: receipt, buffers: &buffers) else {
                halt(.fallback(.keyTableFull(slots: memory.slotCount)))
                return nil
            }
            if measuresCosts { finalization.costs[index] = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
            return scheduler.finishExecution(version, wroteNewKey: wroteNewKey)
        }
    }

    /// Whether every writer that transaction `index` waits for in the recorded dependencies has executed;
    /// when one has not, parks `index` until it has and returns false. Without recorded dependencies, true.
    /// A resumed transaction checks its writers again from the first: the ones it passed before answer at
    /// once, and one that was aborted meanwhile is waited for again.
    private func recordedWritersHaveExecuted(_ index: Int) -> Bool {
        guard let recorded else { return true }
        for position in recorded.range(of: index) where scheduler.addDependency(index, on: Int(recorded.writers[position])) {
            dependencyWaits.add(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Publishes an incarnation's writes to the multi-version memory and removes the previous incarnation's
    /// writes to keys this one did not write. Returns whether it wrote a key the previous one did not, or nil
    /// when the memory had no room for a written key.
    private func record(_ index: Int, receipt: Receipt, buffers: inout WorkerBuffers) -> Bool? {
        buffers.written.removeAll(keepingCapacity: true)
        for (key, write) in zip(buffers.transaction.keys, buffers.transaction.writes) {
            guard let slot = memory.slot(of: key) else { return nil }
            switch write {
            case .value(let value):
                memory.write(.value(value), to: slot, by: index)
                buffers.written.append(WrittenKey(slot: slot, isCredit: false))
            case .credit(let amount):
                memory.write(.credit(amount), to: slot, by: index)
                buffers.written.append(WrittenKey(slot: slot, isCredit: true))
            }
        }
        buffers.stale.removeAll(keepingCapacity: true)
        let wroteNewKey = slots[index].contents.withLock { contents in
            for old in contents.written where !buffers.written.contains(where: { $0.slot == old.slot }) {
                buffers.stale.append(old.slot)
            }
            let wroteNewKey = buffers.written.contains { new in !contents.written.contains { $0.slot == new.slot } }
            contents.reads.removeAll(keepingCapacity: true)
            contents.reads.append(contentsOf: buffers.transaction.reads)
            contents.written.removeAll(keepingCapacity: true)
            contents.written.append(contentsOf: buffers.written)
            contents.receipt = receipt
            return wroteNewKey
        }
        for slot in buffers.stale { memory.remove(slot, by: index) }
        return wroteNewKey
    }

    private func validate(_ version: Version, buffers: inout WorkerBuffers) -> SchedulerTask? {
        validations.add(1, ordering: .relaxed)
        let index = version.index
        slots[index].contents.withLock { contents in
            buffers.reads.removeAll(keepingCapacity: true)
            buffers.reads.append(contentsOf: contents.reads)
        }
        let valid = buffers.reads.allSatisfy { read in
            if case .value(let current) = memory.read(read.slot, before: index) { return current == read.value }
            return false
        }
        let aborted = !valid && scheduler.tryValidationAbort(version)
        if aborted {
            aborts.add(1, ordering: .relaxed)
            slots[index].contents.withLock { contents in
                buffers.written.removeAll(keepingCapacity: true)
                buffers.written.append(contentsOf: contents.written)
            }
            for written in buffers.written { memory.markEstimate(written.slot, by: index) }
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
        /// Each block's changes, in no order.
        let changes: Mutex<[[StateChange]]>
        let failure = Mutex<ExecutionError?>(nil)
        /// Flat buffers rather than arrays: workers write disjoint indices at once, which an array's
        /// copy-on-write accessors do not allow.
        let receipts: UnsafeMutableBufferPointer<Receipt?>
        let accessSets: UnsafeMutableBufferPointer<AccessSet?>
        /// Each transaction's last execution time, when measured (empty otherwise). Only one incarnation of a
        /// transaction executes at a time, and the scheduler orders them.
        let costs: UnsafeMutableBufferPointer<Double>

        init(count: Int, blocks: Int, measuringCosts: Bool) {
            changes = Mutex(Array(repeating: [], count: blocks))
            costs = .allocate(capacity: measuringCosts ? count : 0)
            costs.initialize(repeating: 0)
            receipts = .allocate(capacity: count)
            receipts.initialize(repeating: nil)
            accessSets = .allocate(capacity: count)
            accessSets.initialize(repeating: nil)
        }

        deinit {
            costs.deallocate()
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
        let keyCount = memory.keyCount
        let keyChunks = (keyCount + Self.keyChunk - 1) / Self.keyChunk
        let transactionChunks = (transactions.count + Self.transactionChunk - 1) / Self.transactionChunk
        while true {
            let chunk = finalization.cursor.add(1, ordering: .relaxed).oldValue
            if chunk < keyChunks {
                let start = chunk * Self.keyChunk
                finalizeKeys(start..<min(start + Self.keyChunk, keyCount))
            } else if chunk < keyChunks + transactionChunks {
                let start = (chunk - keyChunks) * Self.transactionChunk
                finalizeTransactions(start..<min(start + Self.transactionChunk, transactions.count))
            } else {
                return
            }
        }
    }

    private func finalizeKeys(_ slotRange: Range<Int>) {
        var changes = Array(repeating: [StateChange](), count: layout.contexts.count)
        var writers: [Int32] = []
        func value(of slot: KeySlot, before index: Int) -> StateValue? {
            guard case .value(let value) = memory.read(slot, before: index) else {
                preconditionFailure("a finished run has no estimates, and every written key's base is loaded")
            }
            return value
        }
        func add(_ slot: KeySlot) throws(ExecutionError) {
            guard var settled = memory.settled(slot, count: transactions.count) else { return }
            if case .none = settled.base {
                // Only blind writes and credits touched this key: its value before the run was never needed
                // until now, to tell whether a block changed it.
                do { _ = try versionedState.loadBase(of: slot, thenReadBefore: transactions.count) } catch {
                    guard case .storageFailure(let underlying) = error else { preconditionFailure("a finished run has no estimates") }
                    throw .storageFailure(transactionIndex: transactions.count, underlying: underlying)
                }
                settled = memory.settled(slot, count: transactions.count)!
            }
            let key = memory.key(at: slot)
            guard layout.contexts.count > 1 else {
                // One block: its values before and after are the ones the settled read gave, under one lock.
                guard case .value(let final) = settled.final, case .some(let original) = settled.base
                else { preconditionFailure("a finished run has no estimates, and every written key's base is loaded") }
                if original != final { changes[0].append(StateChange(key: key, oldValue: original, newValue: final)) }
                return
            }
            // Each block that wrote the key changed it from its value before the block to its value after.
            memory.writers(of: slot, into: &writers)
            var previousBlock = -1
            for writer in writers {
                let block = layout.block(of: Int(writer))
                if block == previousBlock { continue }
                previousBlock = block
                let original = value(of: slot, before: layout.starts[block])
                let final = value(of: slot, before: layout.starts[block + 1])
                if original != final { changes[block].append(StateChange(key: key, oldValue: original, newValue: final)) }
            }
        }
        do {
            for slot in slotRange { try add(KeySlot(slot)) }
        } catch {
            finalization.failure.withLock { if $0 == nil { $0 = error } }
        }
        finalization.changes.withLock { all in
            for block in changes.indices where !changes[block].isEmpty { all[block].append(contentsOf: changes[block]) }
        }
    }

    private func finalizeTransactions(_ range: Range<Int>) {
        for index in range {
            slots[index].contents.withLock { contents in
                finalization.receipts[index] = contents.receipt!
                var writes: [StateKey] = []
                writes.reserveCapacity(contents.written.count)
                for written in contents.written where !written.isCredit { writes.append(memory.key(at: written.slot)) }
                var reads: [StateKey] = []
                reads.reserveCapacity(contents.reads.count)
                for read in contents.reads { reads.append(memory.key(at: read.slot)) }
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

    /// Each transaction's last execution time (after ``work()`` returned on every worker); empty unless the
    /// options measure costs.
    var transactionCosts: [Double] { Array(finalization.costs) }

    /// The receipts, change set and access sets of the final incarnations, one entry per block of the layout
    /// (after ``work()`` returned on every worker of a run that was not stopped).
    func results() throws(ExecutionError) -> [(receipts: [Receipt], changeSet: ChangeSet, accessSets: [AccessSet])] {
        if let failure = finalization.failure.withLock({ $0 }) { throw failure }
        let changes = finalization.changes.withLock { $0 }
        return layout.contexts.indices.map { block in
            let range = layout.starts[block]..<layout.starts[block + 1]
            return (
                finalization.receipts[range].map { $0! }, ChangeSet(unsortedDistinct: changes[block]),
                finalization.accessSets[range].map { $0! }
            )
        }
    }
}

/// Where consecutive blocks' transactions lie in one parallel run: block `b` holds transactions
/// `starts[b]..<starts[b + 1]` and runs with `contexts[b]`.
struct BlockLayout: Sendable {
    let contexts: [BlockContext]
    /// One more entry than blocks: the last is the number of transactions.
    let starts: [Int]
    /// Each transaction's block (empty for a single block).
    private let blockOfTransaction: [Int32]

    /// One block of `count` transactions.
    init(context: BlockContext, count: Int) {
        contexts = [context]
        starts = [0, count]
        blockOfTransaction = []
    }

    /// Consecutive blocks with these contexts and transaction counts.
    init(contexts: [BlockContext], counts: [Int]) {
        precondition(contexts.count == counts.count && !contexts.isEmpty, "one count per block")
        self.contexts = contexts
        var starts = [0]
        var blockOfTransaction: [Int32] = []
        for (block, count) in counts.enumerated() {
            starts.append(starts[block] + count)
            blockOfTransaction.append(contentsOf: repeatElement(Int32(block), count: count))
        }
        self.starts = starts
        self.blockOfTransaction = contexts.count == 1 ? [] : blockOfTransaction
    }

    var transactionCount: Int { starts[starts.count - 1] }

    @inline(__always)
    func block(of transaction: Int) -> Int { blockOfTransaction.isEmpty ? 0 : Int(blockOfTransaction[transaction]) }
}
