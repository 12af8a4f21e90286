/// The state as the parallel executor's transactions read it: the multi-version memory over the state
/// before the block, which it loads a key from on first use.
///
/// Not generic over the chain's logic, so that ``TransactionState`` (which every chain's logic sees) stays
/// one concrete type.
final class VersionedState: @unchecked Sendable {
    // @unchecked: `base` must allow concurrent reads (StateReader's contract for parallel executors).
    let memory: MultiVersionMemory
    let base: any StateReader

    init(memory: MultiVersionMemory, base: any StateReader) {
        self.memory = memory
        self.base = base
    }

    /// The slot of `key` in the memory.
    /// - Throws: ``KeyTableFull`` as a storage failure when the memory has no room for another key.
    func slot(of key: StateKey) throws(ExecutionInterrupted) -> KeySlot {
        guard let slot = memory.slot(of: key) else { throw .storageFailure(KeyTableFull(slots: memory.slotCount)) }
        return slot
    }

    /// Reads `key` as transaction `index` sees it, loading the value from before the block on first use.
    func read(_ key: StateKey, before index: Int) throws(ExecutionInterrupted) -> ReadRecord {
        let slot = try slot(of: key)
        switch try read(slot, before: index) {
        case .value(let value): return ReadRecord(slot: slot, value: value)
        case .dependency(let blocking): throw .dependency(onTransaction: blocking)
        case .needsBase: preconditionFailure("the base was just set")
        }
    }

    /// Reads the key at `slot` as transaction `index` sees it, loading the key's value before the block first
    /// if the read needs it and no one has loaded it yet.
    func read(_ slot: KeySlot, before index: Int) throws(ExecutionInterrupted) -> VersionedRead {
        let result = memory.read(slot, before: index)
        guard case .needsBase = result else { return result }
        return try loadBase(of: slot, thenReadBefore: index)
    }

    /// Loads the key's value before the block into the memory (unless someone has) and reads the key as
    /// transaction `index` sees it.
    func loadBase(of slot: KeySlot, thenReadBefore index: Int) throws(ExecutionInterrupted) -> VersionedRead {
        let loaded: StateValue?
        do { loaded = try base.value(for: memory.key(at: slot)) } catch { throw .storageFailure(error) }
        return memory.setBase(slot, to: loaded, thenReadBefore: index)
    }
}
