/// One block of a group of consecutive blocks executed together (see
/// ``BlockExecutor/execute(group:parent:state:)``).
public struct GroupedBlock<Transaction: ChainTransaction>: Sendable {
    /// The block's transactions, in order.
    public var transactions: [Transaction]
    /// The block's number, timestamp and fee collector.
    public var context: BlockContext
    /// What ``BlockExecutor/authenticate(_:)`` returned for the transactions, or nil to check them now.
    public var authentications: [ReceiptStatus?]?
    /// The access sets recorded when the block was first executed, one per transaction, or nil.
    public var accessHints: [AccessSet]?

    /// Creates a block of a group.
    public init(transactions: [Transaction], context: BlockContext, authentications: [ReceiptStatus?]? = nil, accessHints: [AccessSet]? = nil) {
        self.transactions = transactions
        self.context = context
        self.authentications = authentications
        self.accessHints = accessHints
    }
}

extension BlockExecutor {
    /// Executes the group one block after another, each over the state the ones before it left: what
    /// ``execute(group:parent:state:)`` does unless an executor overlaps the blocks.
    public func execute(group: [GroupedBlock<Transaction>], parent: StoreHead, state: some StateReader) throws(ExecutionError) -> [ExecutedBlock<Transaction>] {
        try executeOneAfterAnother(group, parent: parent, state: state)
    }

    /// Executes `group` one block after another, each with ``execute(_:context:parent:state:authentications:accessHints:)``
    /// over `state` and the changes of the blocks before it in the group.
    public func executeOneAfterAnother(
        _ group: [GroupedBlock<Transaction>], parent: StoreHead, state: some StateReader
    ) throws(ExecutionError) -> [ExecutedBlock<Transaction>] {
        var executed: [ExecutedBlock<Transaction>] = []
        executed.reserveCapacity(group.count)
        var head = parent
        // About three changed keys a transaction: sized once for the group.
        var changes = StateTable<StateValue?>(minimumCapacity: 3 * group.reduce(0) { $0 + $1.transactions.count })
        let state: any StateReader = state
        for block in group {
            let block = try execute(
                block.transactions, context: block.context, parent: head, state: GroupStateReader(base: state, changes: changes),
                authentications: block.authentications, accessHints: block.accessHints)
            // The reader above is gone: the table is uniquely held again and changes in place.
            for change in block.changeSet.changes { changes.updateValue(change.newValue, forKey: change.key) }
            head = block.head
            executed.append(block)
        }
        return executed
    }
}

/// A state read through the changes of a group's earlier blocks. Not generic: a generic reader's type would be
/// instantiated at run time for every block it is passed with.
struct GroupStateReader: StateReader {
    let base: any StateReader
    let changes: StateTable<StateValue?>

    func value(for key: StateKey) throws -> StateValue? {
        if let slot = changes.slot(of: key) { return changes[slot: slot] }
        return try base.value(for: key)
    }

    func prefetch(_ key: StateKey) { base.prefetch(key) }
}
