import TakeoffCore

/// The changes of blocks that a pipeline has executed but not yet committed to the store: the latest value
/// of each key they changed, with the block that wrote it last.
///
/// Execution runs ahead of the store, so block N reads the store's snapshot (at some block M < N) through
/// these changes. Once the store has committed a block, the entries that block (or an earlier one) wrote
/// last hold what the store holds, and ``dropCommitted(through:)`` forgets them: the table keeps only what
/// the store does not have yet, so its size is bounded by the blocks in flight.
struct PendingChanges {
    struct Entry {
        /// The key's latest value (nil: deleted).
        var value: StateValue?
        /// The block that wrote it.
        var block: UInt64
    }

    private(set) var entries = StateTable<Entry>()
    /// The last block added.
    private(set) var lastBlock: UInt64?

    /// Records block `block`'s changes, over the earlier blocks'.
    mutating func add(_ changeSet: ChangeSet, block: UInt64) {
        entries.reserveCapacity(entries.count + changeSet.count)
        for change in changeSet.changes {
            entries.updateValue(Entry(value: change.newValue, block: block), forKey: change.key)
        }
        lastBlock = block
    }

    /// Forgets the entries last written by block `block` or earlier, now that the store holds them.
    mutating func dropCommitted(through block: UInt64) {
        guard entries.count > 0 else { return }
        if let lastBlock, lastBlock <= block {
            entries = StateTable()
            return
        }
        var kept = StateTable<Entry>(minimumCapacity: entries.count / 2)
        entries.forEach { key, entry in
            if entry.block > block { kept.updateValue(entry, forKey: key) }
        }
        entries = kept
    }

    /// The state after the last block added, read through `base` (which must hold every block these changes
    /// have forgotten).
    func reader<Base: StateReader>(over base: Base) -> PendingStateReader<Base> {
        PendingStateReader(base: base, pending: entries)
    }
}

/// A store snapshot read through a pipeline's uncommitted changes. Immutable, so the executor's workers may
/// read it at once.
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
