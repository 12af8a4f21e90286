import TakeoffCore
import TakeoffIO

extension BlockArchive {
    /// Archives a genesis of any size, streamed in chunks: its entries go to `genesis.state` beside the
    /// segments (see `GenesisStateFile`), then block 0's record with the header alone. The archive must be
    /// empty.
    ///
    /// A crash before block 0's record is synced leaves an empty archive (and a `genesis.state` the next call
    /// replaces).
    /// - Parameter next: the genesis entries in increasing key order, keys distinct, chunk by chunk until nil.
    /// - Returns: block 0's header, the commitment and the number of entries.
    /// - Throws: `GenesisError` for keys out of order; ``ArchiveError`` when writing fails.
    @discardableResult
    public func appendGenesis(chunks next: () throws -> [(StateKey, StateValue)]?) throws -> GenesisSummary {
        precondition(isWritable && head == nil, "a genesis is appended to an empty archive opened for writing")
        let summary: GenesisSummary
        do { summary = try GenesisStateFile.write(to: path(GenesisStateFile.name), chunks: next) } catch let error as FileError {
            throw ArchiveError(error)
        }
        try append(ArchivedBlock<EncodedTransaction>(header: summary.header, transactions: [], receipts: [], changeSet: ChangeSet(), accessSets: []))
        return summary
    }

    /// Calls `body` with block 0's header and its entries, chunk by chunk (see ``genesisEntries()``).
    public func readGenesis<Result>(_ body: (BlockHeader, () throws -> [(StateKey, StateValue)]?) throws -> Result) throws -> Result {
        var entries = try genesisEntries()
        return try body(entries.header) { try entries.next() }
    }

    /// Reads block 0's entries back whole, as a replay from genesis would: `genesis.state` present, every frame
    /// whole, the keys in order, the closing checksum right, and the entries' digest block 0's (so a file from
    /// another archive is found). It does not recompute the commitment (`verify()` does). Writers call it when
    /// they open an archive, so that nothing is appended to an archive that could not be replayed from its start.
    /// - Returns: the number of entries checked in `genesis.state`; nil when block 0 holds its entries in its own
    ///   record (the segment's checksums cover them) or the archive has no block 0 yet.
    /// - Throws: ``ArchiveError/genesisState(path:reason:)`` naming the file and what is wrong with it.
    @discardableResult
    public func checkGenesisState() throws -> Int? {
        guard head != nil else { return nil }
        var entries = try genesisEntries()
        guard entries.isStreamed else { return nil }
        let file = path(GenesisStateFile.name)
        var digest = GenesisDigest()
        while let chunk = try entries.next() {
            do { try digest.add(chunk) } catch {
                throw ArchiveError.genesisState(path: file, reason: "damaged: \(error)")
            }
        }
        guard digest.finish() == entries.header.changeSetDigest else {
            throw ArchiveError.genesisState(
                path: file,
                reason: "its entries are not block 0's (their digest is \(digest.finish().hex), block 0's header says "
                    + "\(entries.header.changeSetDigest.hex)): the file of another archive?")
        }
        return digest.count
    }

    /// Block 0's entries, chunk by chunk, wherever the archive holds them: in block 0's record, or (for a
    /// streamed genesis) in `genesis.state`.
    /// - Throws: ``ArchiveError`` when block 0 cannot be read or `genesis.state` cannot be opened.
    public func genesisEntries() throws -> GenesisEntries {
        let block = try readChanges(0)
        guard block.changeSet.isEmpty, block.header.changeSetDigest != ChangeSet().digest else {
            return GenesisEntries(header: block.header, record: block.changeSet)
        }
        return GenesisEntries(header: block.header, file: try GenesisStateFile.Reader(path: path(GenesisStateFile.name)))
    }
}

/// Block 0's entries as an archive holds them, read a chunk at a time. They are not checked here: the
/// header says what they must add up to, and whoever loads them (`StateStore.loadGenesis(from:)`, a
/// `GenesisBuilder`) checks it.
public struct GenesisEntries {
    /// Block 0's header, as archived.
    public let header: BlockHeader
    /// Whether they come from `genesis.state` rather than block 0's record.
    public var isStreamed: Bool { file != nil }
    private let record: ChangeSet?
    private var file: GenesisStateFile.Reader?
    private var position = 0
    /// Entries per chunk from a record.
    private static let chunkSize = 1 << 16

    init(header: BlockHeader, record: ChangeSet? = nil, file: GenesisStateFile.Reader? = nil) {
        self.header = header
        self.record = record
        self.file = file
    }

    /// The next chunk, in increasing key order, or nil after the last.
    /// - Throws: ``ArchiveError/genesisState(path:reason:)`` for a damaged `genesis.state`.
    public mutating func next() throws -> [(StateKey, StateValue)]? {
        if file != nil { return try file!.next() }
        guard let record, position < record.count else { return nil }
        let end = min(record.count, position + Self.chunkSize)
        defer { position = end }
        return record.genesisEntries(position..<end)
    }
}
