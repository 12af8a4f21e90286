import TakeoffCore

/// Where a checkpoint's state starts: the archive's genesis, or a snapshot of an earlier block.
public enum CheckpointBase: Hashable, Sendable {
    /// Block 0's entries, from the archive.
    case genesis
    /// A snapshot file (`takeoff snapshot export`, or an earlier checkpoint).
    case snapshot(path: String)
}

/// The state after a merged range, computed from the state before it without a store: the base's entries and
/// the range's changes merged in key order, a chunk at a time. It is what turns independently merged ranges
/// into checkpoints (snapshots at chosen blocks) and what loads a reconstructed history into a store.
///
/// Everything that can be checked before an entry is written is checked when it is made:
/// - the base is the archive's: a snapshot's head has the hash and the commitment of the archive's header for
///   its block (genesis: the entries add up to block 0's header);
/// - the range follows the base (its first block's parent is the base's head) and ends at the archive's own
///   header for its last block;
/// - the commitment after the range, the base's updated by the range's changes, is the one that header records.
///
/// The merge itself then checks that every change starts from the value the base holds for its key, which is
/// what makes the updated commitment the commitment of the entries written.
public struct StateAfterRange {
    /// The head after the range: its last block, that block's hash and the commitment checked against its header.
    public let head: StoreHead
    /// How many entries the state after the range holds.
    public let entryCount: Int
    /// The range's first block.
    public let firstBlock: UInt64
    private var base: BaseEntries
    private let changes: [StateChange]
    private var nextChange = 0
    private var pending: [(StateKey, StateValue)] = []
    private var pendingIndex = 0
    private var baseEnded = false
    private var baseKey: StateKey?
    /// Entries per chunk handed on.
    static let chunkSize = 1 << 16

    /// Checks `range` against `archive` and `base` (see the type's description) and prepares the merge.
    /// - Throws: ``ReplayError`` when the base is not the archive's state at its block, the range does not follow
    ///   it or is not the archive's, or the commitment after it is not its header's; ``ArchiveError`` and
    ///   ``SnapshotError`` for files that cannot be read.
    public init(archive: BlockArchive, base: CheckpointBase, range: MergedRange) throws {
        let baseHead: StoreHead
        let baseCount: Int
        switch base {
        case .genesis:
            // The genesis state is summed once before the merge reads it again: its commitment and count head
            // the result, and its header must be the archive's block 0.
            var entries = try archive.genesisEntries()
            var builder = GenesisBuilder()
            while let chunk = try entries.next() { try builder.add(chunk) }
            let summary = builder.finish()
            guard summary.header == entries.header else {
                throw ReplayError.commitmentMismatch(
                    block: 0, archived: entries.header.stateCommitment, computed: summary.header.stateCommitment)
            }
            baseHead = summary.head
            baseCount = summary.entryCount
            self.base = .genesis(try archive.genesisEntries())
        case .snapshot(let path):
            let reader = try SnapshotFile.Reader(path: path)
            baseHead = reader.head
            baseCount = Int(reader.entryCount)
            let archived = try archive.readChanges(baseHead.block).header
            try ReplayError.checkStart(baseHead, against: archived)
            self.base = .snapshot(reader)
        }
        guard range.firstBlock == baseHead.block + 1 else {
            throw ReplayError.gap(storeHead: baseHead.block, from: range.firstBlock)
        }
        try ReplayError.checkLink(range.headers[0], parentHash: baseHead.blockHash)
        let last = range.headers[range.headers.count - 1]
        let archivedLast = try archive.readChanges(range.lastBlock).header
        guard archivedLast == last else {
            throw ReplayError.headerMismatch(block: last.number, field: "merged range's header", archived: archivedLast.hash, computed: last.hash)
        }
        var commitment = baseHead.commitment
        commitment.apply(range.changeSet)
        try ReplayError.checkCommitment(commitment, against: last)
        changes = range.changeSet.changes
        entryCount = changes.reduce(baseCount) { count, change in count + (change.newValue != nil ? 1 : 0) - (change.oldValue != nil ? 1 : 0) }
        head = StoreHead(block: last.number, blockHash: last.hash, commitment: commitment)
        firstBlock = range.firstBlock
    }

    /// The next chunk of the state after the range, in increasing key order, or nil after the last.
    /// - Throws: ``ReplayError/inconsistentBlock(block:reason:)`` for a change that does not start from the base's
    ///   value of its key; the base's read errors.
    public mutating func next() throws -> [(StateKey, StateValue)]? {
        var chunk: [(StateKey, StateValue)] = []
        chunk.reserveCapacity(Self.chunkSize)
        while chunk.count < Self.chunkSize {
            guard let entry = try peekBase() else {
                // The base has ended: what is left of the changes can only insert keys.
                guard nextChange < changes.count else { break }
                let change = changes[nextChange]
                try check(change, base: nil)
                if let value = change.newValue { chunk.append((change.key, value)) }
                nextChange += 1
                continue
            }
            if nextChange < changes.count, changes[nextChange].key <= entry.0 {
                let change = changes[nextChange]
                nextChange += 1
                if change.key == entry.0 {
                    try check(change, base: entry.1)
                    pendingIndex += 1
                } else {
                    try check(change, base: nil)
                }
                if let value = change.newValue { chunk.append((change.key, value)) }
            } else {
                chunk.append(entry)
                pendingIndex += 1
            }
        }
        return chunk.isEmpty ? nil : chunk
    }

    /// The base's next entry, reading its next chunk when the current one is used up.
    private mutating func peekBase() throws -> (StateKey, StateValue)? {
        while pendingIndex == pending.count {
            guard !baseEnded, let chunk = try base.next() else {
                baseEnded = true
                return nil
            }
            // Key order across chunks is what the merge relies on; a snapshot's load checks it the same way.
            if let first = chunk.first, let previous = baseKey, first.0 <= previous {
                throw GenesisError.unsortedKeys(key: first.0, after: previous)
            }
            baseKey = chunk.last?.0
            pending = chunk
            pendingIndex = 0
        }
        return pending[pendingIndex]
    }

    private func check(_ change: StateChange, base value: StateValue?) throws(ReplayError) {
        guard change.oldValue == value else {
            throw ReplayError.inconsistentBlock(
                block: firstBlock,
                reason: "the merged range changes \(change.key) from \(change.oldValue.map { "\($0)" } ?? "nothing"), but the state "
                    + "before it holds \(value.map { "\($0)" } ?? "nothing")")
        }
    }

    /// Writes the state after the range to a snapshot file at `path`.
    /// - Throws: as ``next()``, and ``SnapshotError/io(path:reason:)``; nothing is left at `path` then.
    public mutating func writeSnapshot(to path: String) throws {
        try SnapshotFile.write(head: head, entryCount: entryCount, to: path) { try next() }
    }

    /// Loads the state after the range into an empty store, in key order; the store recomputes the commitment
    /// from the entries and checks it against ``head``.
    /// - Throws: as ``next()``, and the store's errors; the store then has no head.
    public mutating func load(into store: some StateStore) throws {
        try store.loadSnapshot(head: head) { try next() }
    }
}

/// A base state's entries, chunk by chunk.
private enum BaseEntries {
    case genesis(GenesisEntries)
    case snapshot(SnapshotFile.Reader)

    mutating func next() throws -> [(StateKey, StateValue)]? {
        switch self {
        case .genesis(var entries):
            defer { self = .genesis(entries) }
            return try entries.next()
        case .snapshot(var reader):
            defer { self = .snapshot(reader) }
            return try reader.next()
        }
    }
}
