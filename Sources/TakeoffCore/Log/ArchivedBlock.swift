/// One block as a ``BlockLog`` keeps it: the header, the transactions, and what executing them produced.
public struct ArchivedBlock<Transaction: ChainTransaction>: Hashable, Sendable {
    /// The header (block 0: the genesis header).
    public var header: BlockHeader
    /// The transactions, in order (none for block 0).
    public var transactions: [Transaction]
    /// One receipt per transaction.
    public var receipts: [Receipt]
    /// The block's changes with their previous values (block 0: the genesis state as insertions).
    public var changeSet: ChangeSet
    /// One access set per transaction, as recorded by the executor (may be empty).
    public var accessSets: [AccessSet]

    /// Creates an archived block.
    public init(header: BlockHeader, transactions: [Transaction], receipts: [Receipt], changeSet: ChangeSet, accessSets: [AccessSet]) {
        self.header = header
        self.transactions = transactions
        self.receipts = receipts
        self.changeSet = changeSet
        self.accessSets = accessSets
    }

    /// The archived form of an executed block.
    public init(_ executed: ExecutedBlock<Transaction>) {
        self.init(
            header: executed.header, transactions: executed.block.transactions, receipts: executed.receipts,
            changeSet: executed.changeSet, accessSets: executed.accessSets)
    }

    /// The genesis block, as block 0 of an archive.
    public init(_ genesis: Genesis) {
        self.init(header: genesis.header, transactions: [], receipts: [], changeSet: genesis.changeSet, accessSets: [])
    }

    /// The block number.
    public var number: UInt64 { header.number }
}

/// What apply mode needs of an archived block: its header and change set, decoded from the start of a
/// record without its transactions.
public struct ArchivedChanges: Hashable, Sendable {
    /// The block's header.
    public var header: BlockHeader
    /// The block's changes with their previous values.
    public var changeSet: ChangeSet

    /// The block number.
    public var number: UInt64 { header.number }

    /// Creates the changes of a block.
    public init(header: BlockHeader, changeSet: ChangeSet) {
        self.header = header
        self.changeSet = changeSet
    }
}
