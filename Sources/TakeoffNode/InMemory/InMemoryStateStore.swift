import Synchronization
import TakeoffCore

/// A `StateStore` held in memory: for tests of what runs on a store (the pipeline, recovery, replay, unwind,
/// a chain's own tools), and for small states that need no persistence. Nothing survives the process.
///
/// It checks what it is given as a persistent store does (block numbers, parent hashes, commitments, every
/// change's previous value) and throws `StateStoreFault` for what it refuses, writing nothing then. It keeps
/// every commit's history, so it can unwind to any block that was not committed inside a merged range.
///
/// A read view is a copy of the state taken when ``withReadView(_:)`` is called (copy on write: a commit while
/// a view is open copies the state once), so it suits states of up to a few million keys.
public final class InMemoryStateStore: StateStore {
    private struct Contents {
        var entries: [StateKey: StateValue] = [:]
        var head: StoreHead?
        /// Every commit, in order: its first and last block, the hash before it, and its changes.
        var history: [(first: UInt64, last: UInt64, parentHash: Hash32, changes: [StateChange])] = []
        var unwound: UnwindRecord?
    }

    private let contents = Mutex(Contents())
    /// A name for messages.
    public let location: String

    /// Creates an empty store named `location` in messages.
    public init(location: String = "in memory") { self.location = location }

    public func head() throws -> StoreHead? { contents.withLock { $0.head } }

    /// A consistent copy of an ``InMemoryStateStore``'s state.
    public struct ReadView: StateReadView, Sendable {
        let entries: [StateKey: StateValue]
        public let head: StoreHead

        public func value(for key: StateKey) -> StateValue? { entries[key] }
        public func keyCount() -> Int { entries.count }
        public func forEachEntry(_ body: (StateKey, StateValue) throws -> Void) throws {
            for key in entries.keys.sorted() { try body(key, entries[key]!) }
        }
    }

    public func withReadView<Result>(_ body: (ReadView) throws -> Result) throws -> Result {
        let view = try contents.withLock { contents in
            guard let head = contents.head else { throw StateStoreFault.empty(location: location) }
            return ReadView(entries: contents.entries, head: head)
        }
        return try body(view)
    }

    /// The value under `key` in the latest committed state.
    public func value(for key: StateKey) -> StateValue? { contents.withLock { $0.entries[key] } }

    public func initialize(_ genesis: Genesis) throws -> StoreHead {
        try contents.withLock { contents in
            if let head = contents.head { throw StateStoreFault.alreadyLoaded(location: location, head: head.block) }
            contents.entries = [:]
            for change in genesis.changeSet.changes { contents.entries[change.key] = change.newValue }
            contents.head = genesis.head
            return genesis.head
        }
    }

    public func load(chunks next: () throws -> [(StateKey, StateValue)]?, head: (GenesisSummary) throws -> StoreHead) throws -> StoreHead {
        if let existing = try self.head() { throw StateStoreFault.alreadyLoaded(location: location, head: existing.block) }
        var builder = GenesisBuilder()
        var entries: [StateKey: StateValue] = [:]
        while let chunk = try next() {
            try builder.add(chunk)
            for (key, value) in chunk { entries[key] = value }
        }
        let loaded = try head(builder.finish())
        try contents.withLock { contents in
            if let existing = contents.head { throw StateStoreFault.alreadyLoaded(location: location, head: existing.block) }
            contents.entries = entries
            contents.head = loaded
        }
        return loaded
    }

    public func commit(blocks: [(header: BlockHeader, changeSet: ChangeSet)], commitment: StateCommitment) throws -> StoreHead {
        precondition(!blocks.isEmpty, "a commit of no blocks")
        return try contents.withLock { contents in
            guard var parent = contents.head else { throw StateStoreFault.empty(location: location) }
            for (header, _) in blocks {
                try Self.checkFollows(header, parent: parent)
                parent = StoreHead(block: header.number, blockHash: header.hash, commitment: commitment)
            }
            let last = blocks[blocks.count - 1].header
            try Self.checkCommitment(commitment, of: last)
            var staged: [StateKey: StateValue?] = [:]
            for (header, changeSet) in blocks { try Self.stage(changeSet.changes, block: header.number, over: contents.entries, into: &staged) }
            Self.write(staged, to: &contents.entries)
            var parentHash = contents.head!.blockHash
            for (header, changeSet) in blocks {
                contents.history.append((header.number, header.number, parentHash, changeSet.changes))
                parentHash = header.hash
            }
            contents.head = parent
            return parent
        }
    }

    public func commit(mergedRange header: BlockHeader, firstBlock: UInt64, changeSet: ChangeSet, commitment: StateCommitment) throws -> StoreHead {
        try contents.withLock { contents in
            guard let current = contents.head else { throw StateStoreFault.empty(location: location) }
            guard firstBlock == current.block + 1, header.number >= firstBlock else {
                throw StateStoreFault.unexpectedBlock(expected: current.block + 1, got: firstBlock)
            }
            try Self.checkCommitment(commitment, of: header)
            var staged: [StateKey: StateValue?] = [:]
            try Self.stage(changeSet.changes, block: header.number, over: contents.entries, into: &staged)
            Self.write(staged, to: &contents.entries)
            let head = StoreHead(block: header.number, blockHash: header.hash, commitment: commitment)
            contents.history.append((firstBlock, header.number, current.blockHash, changeSet.changes))
            contents.head = head
            return head
        }
    }

    public func unwind(to block: UInt64) throws -> StoreHead {
        try contents.withLock { contents in
            guard let current = contents.head else { throw StateStoreFault.empty(location: location) }
            var history = contents.history
            var staged: [StateKey: StateValue?] = [:]
            var head = current
            while head.block > block {
                guard let commit = history.popLast(), commit.last == head.block else {
                    throw StateStoreFault.historyUnavailable(block: head.block, reason: "no history recorded for it")
                }
                guard commit.first > block else {
                    throw StateStoreFault.historyUnavailable(
                        block: block, reason: "blocks \(commit.first)...\(commit.last) were committed as one merged range")
                }
                let inverse = commit.changes.map { StateChange(key: $0.key, oldValue: $0.newValue, newValue: $0.oldValue) }
                try Self.stage(inverse, block: commit.last, over: contents.entries, into: &staged)
                var commitment = head.commitment
                commitment.apply(changes: inverse)
                head = StoreHead(block: commit.first - 1, blockHash: commit.parentHash, commitment: commitment)
            }
            Self.write(staged, to: &contents.entries)
            contents.history = history
            if head.block < current.block {
                contents.unwound = UnwindRecord(from: max(current.block, contents.unwound?.from ?? 0), to: head.block)
            }
            contents.head = head
            return head
        }
    }

    public func unwindRecord() throws -> UnwindRecord? { contents.withLock { $0.unwound } }

    public func clearUnwindRecord() throws { contents.withLock { $0.unwound = nil } }

    private static func checkFollows(_ header: BlockHeader, parent: StoreHead) throws {
        guard header.number == parent.block + 1 else { throw StateStoreFault.unexpectedBlock(expected: parent.block + 1, got: header.number) }
        guard header.parentHash == parent.blockHash else {
            throw StateStoreFault.parentMismatch(block: header.number, expected: parent.blockHash, found: header.parentHash)
        }
    }

    private static func checkCommitment(_ commitment: StateCommitment, of header: BlockHeader) throws {
        guard commitment.digest == header.stateCommitment else {
            throw StateStoreFault.commitmentMismatch(block: header.number, header: header.stateCommitment, computed: commitment.digest)
        }
    }

    /// Checks each change's previous value against the state as `staged` (the changes before it) leaves it,
    /// and stages it: nothing is written until every change of a commit is checked.
    private static func stage(
        _ changes: [StateChange], block: UInt64, over entries: [StateKey: StateValue], into staged: inout [StateKey: StateValue?]
    ) throws {
        for change in changes {
            let stored = staged[change.key] ?? entries[change.key]
            guard stored == change.oldValue else {
                throw StateStoreFault.staleChange(block: block, key: change.key, expected: change.oldValue, found: stored)
            }
            staged[change.key] = .some(change.newValue)
        }
    }

    /// Writes staged changes (a nil value deletes its key).
    private static func write(_ staged: [StateKey: StateValue?], to entries: inout [StateKey: StateValue]) {
        for (key, value) in staged { entries[key] = value }
    }
}
