import TakeoffCore

/// The values that a pipeline's blocks wrote, latest first: those of the blocks executed but not yet
/// committed to the store, and, up to a limit, those the store has committed since, as a cache.
///
/// Execution runs ahead of the store, so block N reads the store's snapshot (at some block M < N) through
/// this table: every key that blocks M+1...N-1 wrote is here with its latest value. A key the store already
/// holds is kept too, so that the next blocks read it from memory instead of the store's B-tree; once the
/// table holds more than `limit` keys, ``storeCommitted(through:)`` forgets every key the store holds. The
/// table's size is thus bounded by `limit` plus the keys of the blocks in flight.
///
/// The pipeline is the store's only writer (it holds the store's writer lock), so a cached value is always
/// the store's current one.
struct PendingChanges {
    struct Entry {
        /// The key's latest value (nil: deleted).
        var value: StateValue?
        /// The block that wrote it.
        var block: UInt64
    }

    private(set) var entries = StateTable<Entry>()
    /// The table that `storeCommitted(through:)` fills with the entries it keeps: two tables that swap keep
    /// their memory (and the pages the system has mapped for it) from one flush to the next.
    private var spare = StateTable<Entry>()
    /// Keys kept at most once the store holds them.
    let limit: Int

    init(limit: Int) { self.limit = max(0, limit) }

    /// Makes room for `count` keys (at most the limit): a table that will fill up is sized once instead of
    /// doubling its way there, copying itself and touching fresh pages at every step.
    mutating func reserveCapacity(_ count: Int) { entries.reserveCapacity(min(count, limit)) }

    /// Records block `block`'s changes, over the earlier blocks'.
    mutating func add(_ changeSet: ChangeSet, block: UInt64) {
        for change in changeSet.changes {
            entries.updateValue(Entry(value: change.newValue, block: block), forKey: change.key)
        }
    }

    /// Called once the store holds every block up to `block`: past the limit, forgets the keys last written by
    /// `block` or earlier.
    mutating func storeCommitted(through block: UInt64) {
        guard entries.count > limit else { return }
        spare.removeAll(keepingCapacity: true)
        entries.forEach { key, entry in
            if entry.block > block { spare.updateValue(entry, forKey: key) }
        }
        swap(&entries, &spare)
    }

    /// The state after the last block added, read through `base` (which must hold every block whose keys
    /// this table has forgotten).
    func reader<Base: StateReader>(over base: Base) -> PendingStateReader<Base> {
        PendingStateReader(base: base, pending: entries)
    }
}

/// A store snapshot read through a pipeline's uncommitted and cached changes. Immutable, so the executor's
/// workers may read it at once.
struct PendingStateReader<Base: StateReader>: StateReader {
    let base: Base
    let pending: StateTable<PendingChanges.Entry>

    func value(for key: StateKey) throws -> StateValue? {
        if let entry = pending[key] { return entry.value }
        return try base.value(for: key)
    }

    func prefetch(_ key: StateKey) {
        if pending.slot(of: key) == nil { base.prefetch(key) }
    }
}
