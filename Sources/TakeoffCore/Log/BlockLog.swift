/// What the node floor (the pipeline, recovery, replay and unwind) needs of a block log: the record of every
/// executed block, from which state can be rebuilt and checked.
///
/// The zstd archive (`BlockArchive`, in TakeoffArchive) and `InMemoryBlockLog` (in TakeoffNode) conform. A log holds
/// consecutive blocks from ``firstBlock`` to ``head``; block 0, when it holds it, carries the genesis state.
/// A block is durable once ``append(_:)`` returns: the pipeline reports it durable then, and commits it to the
/// store later.
public protocol BlockLog: Sendable {
    /// Where the log lives (a directory, a database file), for messages.
    var location: String { get }
    /// The first block held, or nil when the log is empty.
    var firstBlock: UInt64? { get }
    /// The last block held, or nil when the log is empty.
    var head: UInt64? { get }

    /// Appends `block` durably; it must follow ``head`` (any block, for an empty log).
    /// - Returns: the bytes the block took in the log.
    @discardableResult
    func append<Transaction: ChainTransaction>(_ block: ArchivedBlock<Transaction>) throws -> Int

    /// Appends a genesis of any size as block 0 of an empty log, streamed: its entries chunk by chunk in
    /// increasing key order, then block 0 (whose header records their commitment and digest).
    /// - Returns: block 0's header, the commitment and the number of entries.
    /// - Throws: ``GenesisError/unsortedKeys(key:after:)`` for keys out of order; the log's write errors.
    @discardableResult
    func appendGenesis(chunks next: () throws -> [(StateKey, StateValue)]?) throws -> GenesisSummary

    /// Reads block `number` whole, decoding its transactions as `Transaction`.
    func read<Transaction: ChainTransaction>(_ number: UInt64, as: Transaction.Type) throws -> ArchivedBlock<Transaction>

    /// Reads only block `number`'s header and change set: what applying it needs.
    func readChanges(_ number: UInt64) throws -> ArchivedChanges

    /// Calls `body` with block 0's header and a source of its state's entries, chunk by chunk in increasing key
    /// order until nil (the log does not check them: the caller checks them against the header).
    func readGenesis<Result>(_ body: (_ header: BlockHeader, _ next: () throws -> [(StateKey, StateValue)]?) throws -> Result) throws -> Result

    /// Removes every block after `block` (for a store unwound to it).
    func cut(after block: UInt64) throws

    /// The ranges of blocks the log also holds merged (``MergedRange``), in increasing order; none by default.
    func mergedRanges() -> [ClosedRange<UInt64>]

    /// Reads the merged range `range`, one of ``mergedRanges()``. A range that cannot be read is only a lost
    /// shortcut: its blocks are still in the log.
    func readMergedRange(_ range: ClosedRange<UInt64>) throws -> MergedRange
}

extension BlockLog {
    /// None: a log without merged ranges.
    public func mergedRanges() -> [ClosedRange<UInt64>] { [] }

    /// Throws: a log without merged ranges has none to read.
    public func readMergedRange(_ range: ClosedRange<UInt64>) throws -> MergedRange {
        throw BlockLogFault.noMergedRange(location: location, range: range)
    }
}

/// Why a ``BlockLog`` refused an operation, in terms every log shares. A log may throw errors of its own as
/// well (I/O, damaged records).
public enum BlockLogFault: Error, Hashable, Sendable, CustomStringConvertible {
    /// Block `block` is not in the log, whose last block is `head` (nil: the log is empty).
    case blockNotFound(location: String, block: UInt64, head: UInt64?)
    /// An appended block does not follow the head.
    case outOfOrder(location: String, expected: UInt64, found: UInt64)
    /// The log has no merged range `range`.
    case noMergedRange(location: String, range: ClosedRange<UInt64>)

    public var description: String {
        switch self {
        case .blockNotFound(let location, let block, let head):
            "block log \(location): no block \(block) (\(head.map { "its last block is \($0)" } ?? "it is empty"))"
        case .outOfOrder(let location, let expected, let found): "block log \(location): expected block \(expected), got block \(found)"
        case .noMergedRange(let location, let range): "block log \(location): no merged range \(range.lowerBound)...\(range.upperBound)"
        }
    }
}
