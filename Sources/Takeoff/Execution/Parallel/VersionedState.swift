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

    /// Reads `key` as transaction `index` sees it, loading the value from before the block on first use.
    func read(_ key: StateKey, before index: Int) throws(ExecutionInterrupted) -> ReadRecord {
        let versions = memory.versions(of: key)
        switch try read(versions, before: index) {
        case .value(let value): return ReadRecord(versions: versions, value: value)
        case .dependency(let blocking): throw .dependency(onTransaction: blocking)
        case .needsBase: preconditionFailure("the base was just set")
        }
    }

    /// Reads `versions` as transaction `index` sees it, loading the key's value before the block first if
    /// the read needs it and no one has loaded it yet.
    func read(_ versions: KeyVersions, before index: Int) throws(ExecutionInterrupted) -> VersionedRead {
        let result = versions.read(before: index)
        guard case .needsBase = result else { return result }
        let loaded: StateValue?
        do { loaded = try base.value(for: versions.key) } catch { throw .storageFailure(error) }
        return versions.setBase(loaded, thenReadBefore: index)
    }
}
