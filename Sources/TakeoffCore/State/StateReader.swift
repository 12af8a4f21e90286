/// Read access to a state: what executors read through.
///
/// The parallel executor calls ``value(for:)`` from several threads at once, so implementations must
/// allow concurrent reads (`LMDBReadView` and ``InMemoryState`` do).
public protocol StateReader {
    /// The value stored under `key`, or `nil` when the key is absent.
    /// - Throws: a storage error (LMDB, a corrupt value); never for a missing key.
    func value(for key: StateKey) throws -> StateValue?

    /// A hint that `key` will be read soon: a state that can start loading it (into cache, from disk) does,
    /// so that executors overlap the misses of the next transactions with the work of the current one.
    func prefetch(_ key: StateKey)
}

extension StateReader {
    /// Does nothing: for states whose reads cost the same whenever they happen.
    public func prefetch(_ key: StateKey) {}
}

/// A state held in memory: for benchmarks, tests, tools and chain teams that keep state elsewhere.
public struct InMemoryState: StateReader, Sendable {
    /// The entries, in an open-addressing table that looks keys up by their precomputed hash.
    public var entries: StateTable<StateValue>

    /// Creates a state holding `entries`.
    public init(_ entries: [StateKey: StateValue] = [:]) { self.entries = StateTable(entries.lazy.map { ($0.key, $0.value) }) }

    /// Creates a state holding `pairs`; a key that appears twice keeps its first value.
    public init(pairs: some Sequence<(StateKey, StateValue)>) {
        entries = StateTable(minimumCapacity: pairs.underestimatedCount)
        for (key, value) in pairs { _ = entries.findOrInsert(key) { value } }
    }

    public func value(for key: StateKey) -> StateValue? { entries[key] }

    public func prefetch(_ key: StateKey) { entries.prefetch(key) }

    /// Applies a block's changes.
    public mutating func apply(_ changeSet: ChangeSet) {
        for change in changeSet.changes { entries[change.key] = change.newValue }
    }

    /// The commitment of these entries, computed from scratch.
    public var commitment: StateCommitment { StateCommitment.of(entries.map { ($0.key, $0.value) }) }

    /// These entries as a genesis block: its head is what a store initialized with them reports.
    public var genesis: Genesis { Genesis(entries: entries.map { ($0.key, $0.value) }) }
}
