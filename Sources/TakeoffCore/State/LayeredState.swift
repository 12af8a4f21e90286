/// A state read through pending changes not yet committed: the latest value of each changed key, over a
/// base. Immutable, so any number of threads may read it at once.
public struct LayeredState: StateReader {
    /// The committed state underneath.
    public let base: any StateReader
    /// The latest value of every key changed since `base` (`nil`: deleted).
    public let pending: [StateKey: StateValue?]

    /// Creates a layered view.
    public init(base: any StateReader, pending: [StateKey: StateValue?]) {
        self.base = base
        self.pending = pending
    }

    public func value(for key: StateKey) throws -> StateValue? {
        if let value = pending[key] { return value }
        return try base.value(for: key)
    }
}
