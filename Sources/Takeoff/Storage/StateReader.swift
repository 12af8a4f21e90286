/// Read access to a state: what executors read through.
///
/// The parallel executor calls ``value(for:)`` from several threads at once, so implementations must
/// allow concurrent reads (``StateSnapshot`` and ``InMemoryState`` do).
public protocol StateReader {
    /// The value stored under `key`, or `nil` when the key is absent.
    /// - Throws: a storage error (LMDB, a corrupt value); never for a missing key.
    func value(for key: StateKey) throws -> StateValue?
}

/// A state held in a dictionary: for tests, tools and chain teams that keep state elsewhere.
public struct InMemoryState: StateReader, Sendable {
    /// The entries.
    public var entries: [StateKey: StateValue]

    /// Creates a state holding `entries`.
    public init(_ entries: [StateKey: StateValue] = [:]) { self.entries = entries }

    public func value(for key: StateKey) -> StateValue? { entries[key] }

    /// Applies a block's changes.
    public mutating func apply(_ changeSet: ChangeSet) {
        for change in changeSet.changes { entries[change.key] = change.newValue }
    }

    /// The commitment of these entries, computed from scratch.
    public var commitment: StateCommitment { StateCommitment.of(entries.map { ($0.key, $0.value) }) }

    /// These entries as a genesis block: its head is what a store initialized with them reports.
    public var genesis: Genesis { Genesis(entries: entries.map { ($0.key, $0.value) }) }
}
