/// The reference executor: runs a block's transactions one after another over a block-wide overlay of
/// the state. Every other executor is tested against it, so it stays plain.
public struct SequentialExecutor<Logic: TransactionLogic>: BlockExecutor {
    /// Runs each transaction.
    public let processor: TransactionProcessor<Logic>

    /// Creates a sequential executor for `logic`.
    public init(logic: Logic, options: ExecutionOptions = ExecutionOptions()) {
        processor = TransactionProcessor(logic: logic, options: options)
    }

    public func authenticate(_ transactions: [Logic.Transaction]) -> [ReceiptStatus?] {
        processor.options.authenticate(transactions, rules: processor.logic.rules)
    }

    /// Executes the block one transaction after another (`accessHints` are of no use to it).
    public func execute(
        _ transactions: [Logic.Transaction], context: BlockContext, parent: StoreHead, state: some StateReader,
        authentications: [ReceiptStatus?]?, accessHints: [AccessSet]?
    ) throws(ExecutionError) -> ExecutedBlock<Logic.Transaction> {
        var stopwatch = Stopwatch()
        var metrics = ExecutionMetrics()
        let authentications = authentications ?? authenticate(transactions)
        metrics.signatureSeconds = stopwatch.lap()
        var costs: [Double]? = processor.options.measuresTransactionCosts ? [] : nil
        let (receipts, changeSet, accessSets) = try run(
            transactions, authentications: authentications, context: context, state: state as any StateReader, costs: &costs)
        metrics.incarnations = transactions.count
        metrics.executionSeconds = stopwatch.lap()
        var executed = ExecutedBlock(
            context: context, parent: parent, transactions: transactions, receipts: receipts, changeSet: changeSet,
            accessSets: accessSets)
        metrics.finalizationSeconds = stopwatch.lap()
        executed.metrics = metrics
        executed.transactionCosts = costs ?? []
        return executed
    }

    /// Executes the block like ``execute(_:context:parent:state:authentications:accessHints:)`` and measures
    /// each transaction's execution time in seconds, the costs that ``IdealSpeedup`` weighs. The clock reads
    /// add to the block's time: time blocks with `execute` instead.
    public func executeMeasuringCosts(
        _ transactions: [Logic.Transaction], context: BlockContext, parent: StoreHead, state: some StateReader
    ) throws(ExecutionError) -> (block: ExecutedBlock<Logic.Transaction>, costs: [Double]) {
        var costs: [Double]? = []
        costs!.reserveCapacity(transactions.count)
        let (receipts, changeSet, accessSets) = try run(
            transactions, authentications: authenticate(transactions), context: context, state: state as any StateReader,
            costs: &costs)
        let block = ExecutedBlock(
            context: context, parent: parent, transactions: transactions, receipts: receipts, changeSet: changeSet,
            accessSets: accessSets)
        return (block, costs ?? [])
    }

    /// Runs the transactions in order, given the authentication checks already made.
    func run(
        _ transactions: [Logic.Transaction], authentications: [ReceiptStatus?], context: BlockContext, state: any StateReader
    ) throws(ExecutionError) -> (receipts: [Receipt], changeSet: ChangeSet, accessSets: [AccessSet]) {
        var noCosts: [Double]?
        return try run(transactions, authentications: authentications, context: context, state: state, costs: &noCosts)
    }

    /// Runs the transactions in order; when `costs` is not nil, appends each transaction's seconds to it.
    func run(
        _ transactions: [Logic.Transaction], authentications: [ReceiptStatus?], context: BlockContext, state: any StateReader,
        costs: inout [Double]?
    ) throws(ExecutionError) -> (receipts: [Receipt], changeSet: ChangeSet, accessSets: [AccessSet]) {
        // About three keys a transaction (sender, recipient, fee collector): sized so the table never grows.
        let overlay = BlockOverlay(base: state, expectedKeys: transactions.count * 3)
        var receipts: [Receipt] = []
        receipts.reserveCapacity(transactions.count)
        var accessSets: [AccessSet] = []
        accessSets.reserveCapacity(transactions.count)
        var buffer = TransactionState(source: .sequential(overlay))
        // Borrowed in place: a transaction type that holds references (a payload with bytes) is not copied,
        // retained and released once per transaction.
        try transactions.withUnsafeBufferPointer { transactions throws(ExecutionError) in
        for index in transactions.indices {
            if index + Self.prefetchDistance < transactions.count {
                prefetch(transactions[index + Self.prefetchDistance], from: state)
            }
            buffer.reset(source: .sequential(overlay))
            // No clock read when not measuring: this loop is the reference every benchmark compares with.
            var stopwatch = costs == nil ? nil : Stopwatch()
            do throws(ExecutionInterrupted) {
                let receipt = try processor.process(
                    transactions[index], index: index, authentication: authentications[index], in: context, state: &buffer)
                try overlay.apply(keys: buffer.keys, writes: buffer.writes)
                receipts.append(receipt)
                accessSets.append(buffer.accessSet)
                if stopwatch != nil { costs!.append(stopwatch!.lap()) }
            } catch {
                switch error {
                case .storageFailure(let underlying):
                    throw ExecutionError.storageFailure(transactionIndex: index, underlying: underlying)
                case .dependency:
                    preconditionFailure("sequential execution has no dependencies to wait for")
                }
            }
        }
        }
        return (receipts, overlay.changeSet, accessSets)
    }
}

extension SequentialExecutor {
    /// How many transactions ahead the executor asks the state to prefetch: far enough for a cache miss to
    /// complete during the transactions in between, near enough that the lines are still there.
    static var prefetchDistance: Int { 8 }

    /// Hints the state about the keys `transaction` will probably read.
    func prefetch(_ transaction: borrowing Logic.Transaction, from state: any StateReader) {
        processor.logic.rules.forEachEnvelopeWrite(of: transaction) { state.prefetch($0) }
        processor.logic.forEachLikelyRead(of: transaction) { state.prefetch($0) }
    }
}

/// The state during a sequential block: every value the block has read or written so far, over the base.
///
/// A class, so that each transaction's buffer shares it instead of copying its table. One table holds both
/// the value before the block and the latest value of each touched key, so a key is looked up once per
/// access, on its precomputed hash.
final class BlockOverlay {
    struct Entry {
        /// The value before the block.
        var original: StateValue?
        /// The latest value.
        var current: StateValue?
    }

    let base: any StateReader
    // Unchecked: one thread uses an overlay, and no access to these overlaps another (each method reads or
    // updates them and returns), so the run-time exclusivity check on every read would buy nothing.
    @exclusivity(unchecked) private var entries: StateTable<Entry>
    /// Whether any value the table has held holds a reference (a `.bytes` value); until one does, the table
    /// is dropped at the end of the block without visiting its entries.
    @exclusivity(unchecked) private var holdsReferences = false

    init(base: any StateReader, expectedKeys: Int) {
        self.base = base
        entries = StateTable(minimumCapacity: expectedKeys)
    }

    deinit {
        // Destroying the entries one by one is a pass over megabytes of table at the end of a large block, for
        // values (accounts, amounts, words) whose destruction does nothing.
        if !holdsReferences { entries.discardValuesHoldingNoReferences() }
    }

    func read(_ key: StateKey) throws(ExecutionInterrupted) -> StateValue? {
        if let slot = entries.slot(of: key) { return entries[slot: slot].current }
        let value = try load(key)
        note(value)
        entries.insertNew(key, Entry(original: value, current: value))
        return value
    }

    /// Remembers when `value` holds a reference.
    @inline(__always)
    private func note(_ value: StateValue?) {
        if case .bytes? = value { holdsReferences = true }
    }

    private func load(_ key: StateKey) throws(ExecutionInterrupted) -> StateValue? {
        do { return try base.value(for: key) } catch { throw .storageFailure(error) }
    }

    /// Publishes a finished transaction's writes. Credits are applied at once: a later transaction that reads
    /// the key sees them, exactly as it would once the parallel executor materializes them.
    func apply(keys: [StateKey], writes: [BufferedWrite]) throws(ExecutionInterrupted) {
        for (key, write) in zip(keys, writes) {
            if case .value(let value) = write { note(value) }
            if let slot = entries.slot(of: key) {
                switch write {
                case .value(let value): entries[slot: slot].current = value
                case .credit(let amount): entries[slot: slot].current = entries[slot: slot].current.credited(amount, key: key)
                }
            } else {
                // A blind write or credit: the value before the block is still needed for the change set.
                let original = try load(key)
                note(original)
                switch write {
                case .value(let value): entries.insertNew(key, Entry(original: original, current: value))
                case .credit(let amount): entries.insertNew(key, Entry(original: original, current: original.credited(amount, key: key)))
                }
            }
        }
    }

    /// The block's changes.
    var changeSet: ChangeSet {
        var changes: [StateChange] = []
        changes.reserveCapacity(entries.count)
        entries.forEach { key, entry in
            if entry.original != entry.current { changes.append(StateChange(key: key, oldValue: entry.original, newValue: entry.current)) }
        }
        return ChangeSet(unsortedDistinct: changes)
    }
}
