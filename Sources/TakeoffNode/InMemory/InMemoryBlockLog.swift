import Synchronization
import TakeoffCore

/// A `BlockLog` held in memory: for tests of what runs on a log (the pipeline, recovery, replay, unwind, a
/// chain's own tools). Nothing survives the process.
///
/// Blocks keep their transactions encoded, as a persistent log does, so that reading a block decodes them with the
/// chain's own decoding. It can hold merged ranges (``addMergedRange(_:)``) for apply-mode tests.
public final class InMemoryBlockLog: BlockLog {
    private struct Contents {
        var blocks: [ArchivedBlock<EncodedTransaction>] = []
        /// Block 0's entries when the genesis was appended streamed (block 0's own change set is empty then).
        var genesisEntries: [(StateKey, StateValue)]?
        var mergedRanges: [ClosedRange<UInt64>: MergedRange] = [:]
    }

    private let contents = Mutex(Contents())
    /// A name for messages.
    public let location: String

    /// Creates an empty log named `location` in messages.
    public init(location: String = "in memory") { self.location = location }

    public var firstBlock: UInt64? { contents.withLock { $0.blocks.first?.number } }
    public var head: UInt64? { contents.withLock { $0.blocks.last?.number } }

    /// Appends `block`; it must follow the head.
    /// - Returns: the bytes of its transactions' encodings (the rest of the block is kept decoded, so it has no
    ///   size of its own here).
    @discardableResult
    public func append<Transaction: ChainTransaction>(_ block: ArchivedBlock<Transaction>) throws -> Int {
        let encoded = ArchivedBlock<EncodedTransaction>(
            header: block.header, transactions: block.transactions.map(EncodedTransaction.init), receipts: block.receipts,
            changeSet: block.changeSet, accessSets: block.accessSets)
        return try contents.withLock { contents in
            if let last = contents.blocks.last, block.number != last.number + 1 {
                throw BlockLogFault.outOfOrder(location: location, expected: last.number + 1, found: block.number)
            }
            contents.blocks.append(encoded)
            return encoded.transactions.reduce(0) { $0 + $1.bytes.count }
        }
    }

    @discardableResult
    public func appendGenesis(chunks next: () throws -> [(StateKey, StateValue)]?) throws -> GenesisSummary {
        var builder = GenesisBuilder()
        var entries: [(StateKey, StateValue)] = []
        while let chunk = try next() {
            try builder.add(chunk)
            entries += chunk
        }
        let summary = builder.finish()
        try contents.withLock { contents in
            if let last = contents.blocks.last { throw BlockLogFault.outOfOrder(location: location, expected: last.number + 1, found: 0) }
            contents.genesisEntries = entries
            contents.blocks.append(ArchivedBlock(header: summary.header, transactions: [], receipts: [], changeSet: ChangeSet(), accessSets: []))
        }
        return summary
    }

    private func block(_ number: UInt64) throws -> ArchivedBlock<EncodedTransaction> {
        try contents.withLock { contents in
            guard let first = contents.blocks.first?.number, number >= first, number - first < UInt64(contents.blocks.count) else {
                throw BlockLogFault.blockNotFound(location: location, block: number, head: contents.blocks.last?.number)
            }
            return contents.blocks[Int(number - first)]
        }
    }

    public func read<Transaction: ChainTransaction>(_ number: UInt64, as: Transaction.Type) throws -> ArchivedBlock<Transaction> {
        let stored = try block(number)
        return ArchivedBlock(
            header: stored.header, transactions: try stored.transactions.map { try $0.decode(as: Transaction.self) }, receipts: stored.receipts,
            changeSet: stored.changeSet, accessSets: stored.accessSets)
    }

    public func readChanges(_ number: UInt64) throws -> ArchivedChanges {
        let stored = try block(number)
        return ArchivedChanges(header: stored.header, changeSet: stored.changeSet)
    }

    public func readGenesis<Result>(_ body: (BlockHeader, () throws -> [(StateKey, StateValue)]?) throws -> Result) throws -> Result {
        let genesis = try block(0)
        var chunk: [(StateKey, StateValue)]? =
            contents.withLock { $0.genesisEntries } ?? genesis.changeSet.genesisEntries(0..<genesis.changeSet.count)
        return try body(genesis.header) {
            defer { chunk = nil }
            return chunk
        }
    }

    public func cut(after block: UInt64) throws {
        try contents.withLock { contents in
            guard let first = contents.blocks.first?.number, block >= first, block - first < UInt64(contents.blocks.count) else {
                throw BlockLogFault.blockNotFound(location: location, block: block, head: contents.blocks.last?.number)
            }
            contents.blocks.removeLast(contents.blocks.count - Int(block - first) - 1)
            contents.mergedRanges = contents.mergedRanges.filter { $0.key.upperBound <= block }
        }
    }

    /// Merges blocks `range` into a merged range that apply mode may use instead of the blocks.
    public func addMergedRange(_ range: ClosedRange<UInt64>) throws {
        let merged = MergedRange(try range.map { try readChanges($0) })
        contents.withLock { $0.mergedRanges[range] = merged }
    }

    public func mergedRanges() -> [ClosedRange<UInt64>] {
        contents.withLock { $0.mergedRanges.keys.sorted { $0.lowerBound < $1.lowerBound } }
    }

    public func readMergedRange(_ range: ClosedRange<UInt64>) throws -> MergedRange {
        guard let merged = contents.withLock({ $0.mergedRanges[range] }) else {
            throw BlockLogFault.noMergedRange(location: location, range: range)
        }
        return merged
    }
}
