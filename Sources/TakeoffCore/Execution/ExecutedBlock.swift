/// The keys one transaction read from the state before it and the keys it wrote, as recorded while it ran:
/// archived with the block, so that a replay can see the block's conflicts before executing it.
public struct AccessSet: Hashable, Sendable {
    /// Keys read from the state as it was before the transaction (not from its own writes).
    public var reads: [StateKey]
    /// Keys written (credits, which conflict with nothing, are left out).
    public var writes: [StateKey]

    /// Creates an access set.
    public init(reads: [StateKey], writes: [StateKey]) {
        self.reads = reads
        self.writes = writes
    }
}

/// Everything executing a block produced: the block with its completed header, the receipts, the change
/// set and the commitment after it.
public struct ExecutedBlock<Transaction: ChainTransaction>: Sendable {
    /// The block; its header carries the digests of the fields below.
    public var block: Block<Transaction>
    /// One receipt per transaction, in order.
    public var receipts: [Receipt]
    /// The block's changes, sorted by key.
    public var changeSet: ChangeSet
    /// The state commitment after the block.
    public var commitment: StateCommitment
    /// How the block was executed.
    public var metrics: ExecutionMetrics
    /// The gas its receipts used, summed when the block was built: kept when a report leaves the receipts out.
    public private(set) var gasUsed: UInt64
    /// Each transaction's access set, in order.
    public var accessSets: [AccessSet]
    /// Each transaction's execution time in seconds (the last execution, in parallel), when the executor's
    /// options ask for it (``ExecutionOptions/measuresTransactionCosts``); empty otherwise.
    public var transactionCosts: [Double] = []

    /// The completed header.
    public var header: BlockHeader { block.header }

    /// Assembles the executed block and its header from the parts an executor computed.
    /// - Parameters:
    ///   - context: the block's context.
    ///   - parent: the state the block ran on.
    ///   - transactions: the block's transactions, in order.
    ///   - receipts: one receipt per transaction.
    ///   - changeSet: the block's changes.
    ///   - accessSets: each transaction's access set (may be empty).
    ///   - metrics: how the block was executed.
    public init(
        context: BlockContext, parent: StoreHead, transactions: [Transaction], receipts: [Receipt], changeSet: ChangeSet,
        accessSets: [AccessSet] = [], metrics: ExecutionMetrics = ExecutionMetrics()
    ) {
        var commitment = parent.commitment
        commitment.apply(changeSet)
        let header = BlockHeader(
            context: context, parentHash: parent.blockHash, transactionCount: UInt32(transactions.count),
            transactionsDigest: Block.transactionsDigest(transactions), receiptsDigest: BlockHeader.receiptsDigest(receipts),
            changeSetDigest: changeSet.digest, stateCommitment: commitment.digest)
        self.block = Block(header: header, transactions: transactions)
        self.receipts = receipts
        gasUsed = receipts.reduce(0) { $0 &+ $1.gasUsed }
        self.changeSet = changeSet
        self.commitment = commitment
        self.metrics = metrics
        self.accessSets = accessSets
    }

    /// The head the store has after committing this block.
    public var head: StoreHead { StoreHead(block: header.number, blockHash: header.hash, commitment: commitment) }
}

/// Executes blocks. Every implementation must give exactly the result of ``SequentialExecutor``.
public protocol BlockExecutor<Transaction>: Sendable {
    /// The chain's transaction type.
    associatedtype Transaction: ChainTransaction

    /// The pre-execution check of a block's transactions, as the executor's options ask (all nil when
    /// checks are off): each one's rejecting status, or nil. Independent per transaction, so a pipeline runs
    /// it ahead of execution, on every core.
    func authenticate(_ transactions: [Transaction]) -> [ReceiptStatus?]

    /// Executes `transactions` as block `context.number` over `state`, which holds the state after `parent`.
    /// - Parameters:
    ///   - transactions: the block's transactions, in order.
    ///   - context: the block's number, timestamp and fee collector.
    ///   - parent: the head of the state the block runs on.
    ///   - state: that state (read from several threads at once by a parallel executor).
    ///   - authentications: what ``authenticate(_:)`` returned for these transactions, when a pipeline
    ///     stage checked them already; nil to check them now.
    ///   - accessHints: the access sets recorded when the block was first executed (as a replay has them),
    ///     one per transaction: an executor that schedules by dependencies estimates them from these
    ///     instead of the logic's conflict keys, and the parallel executor makes each transaction wait for
    ///     the earlier ones that wrote what it reads. Hints never change the result (every execution is still
    ///     validated), only the work. Ignored when nil or when the count differs.
    /// - Throws: ``ExecutionError`` when the state cannot be read; never for a failing transaction.
    func execute(
        _ transactions: [Transaction], context: BlockContext, parent: StoreHead, state: some StateReader,
        authentications: [ReceiptStatus?]?, accessHints: [AccessSet]?
    ) throws(ExecutionError) -> ExecutedBlock<Transaction>

    /// Executes consecutive blocks, the first over `state` (the state after `parent`), each after the one
    /// before: exactly the blocks ``execute(_:context:parent:state:authentications:accessHints:)`` gives one
    /// after another (the default does that). An executor may overlap them: the parallel one, given every
    /// block's access hints, runs the group as one dependency graph, so that a transaction of a later block
    /// starts as soon as the earlier transactions it depends on have run, whichever block they are in.
    /// - Throws: ``ExecutionError`` when the state cannot be read (its index counts from the start of the
    ///   group).
    func execute(group: [GroupedBlock<Transaction>], parent: StoreHead, state: some StateReader) throws(ExecutionError) -> [ExecutedBlock<Transaction>]
}

extension BlockExecutor {
    /// Executes `transactions` as block `context.number` over `state`, which holds the state after `parent`,
    /// checking their authentication first.
    /// - Throws: ``ExecutionError`` when the state cannot be read; never for a failing transaction.
    public func execute(
        _ transactions: [Transaction], context: BlockContext, parent: StoreHead, state: some StateReader
    ) throws(ExecutionError) -> ExecutedBlock<Transaction> {
        try execute(transactions, context: context, parent: parent, state: state, authentications: nil, accessHints: nil)
    }

    /// Executes the block like ``execute(_:context:parent:state:)``, estimating its dependencies from
    /// `accessHints` (one per transaction; ignored when the count differs).
    public func execute(
        _ transactions: [Transaction], context: BlockContext, parent: StoreHead, state: some StateReader,
        accessHints: [AccessSet]?
    ) throws(ExecutionError) -> ExecutedBlock<Transaction> {
        try execute(transactions, context: context, parent: parent, state: state, authentications: nil, accessHints: accessHints)
    }
}

/// Why a block could not be executed at all.
public enum ExecutionError: Error, CustomStringConvertible {
    /// Reading the state failed at transaction `index`.
    case storageFailure(transactionIndex: Int, underlying: any Error)

    public var description: String {
        switch self {
        case .storageFailure(let index, let underlying): "state read failed at transaction \(index): \(underlying)"
        }
    }
}
