import TakeoffCore

/// Why the state store refused an operation.
public enum StateStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The store has no genesis state yet.
    case notInitialized(path: String)
    /// Genesis was requested but the store already holds state up to block `head`.
    case alreadyInitialized(path: String, head: UInt64)
    /// A block was committed out of order.
    case unexpectedBlock(expected: UInt64, got: UInt64)
    /// A change set's previous value disagrees with the store: it was computed over a different state.
    case staleChange(block: UInt64, key: StateKey, expected: StateValue?, found: StateValue?)
    /// The header's commitment is not the one the change set produces.
    case commitmentMismatch(block: UInt64, header: Hash32, computed: Hash32)
    /// Genesis entries do not give block 0's header: the header hashes to `expected`, the one the entries
    /// give to `computed`.
    case genesisMismatch(expected: Hash32, computed: Hash32)
    /// A block's parent hash is not the hash of the head block.
    case parentMismatch(block: UInt64, expected: Hash32, found: Hash32)
    /// Snapshot or genesis entries were not in increasing key order.
    case unsortedEntries(key: StateKey)
    /// The state cannot be unwound to or past `block`.
    case historyUnavailable(block: UInt64, reason: String)
    /// Stored bytes could not be decoded.
    case corrupt(path: String, what: String, reason: CodecError)
    /// The directory holds no state store (opening read-only creates none).
    case notFound(path: String)
    /// Another process holds the store's writer lock.
    case locked(WriterLockError)
    /// The store was written in another format (nil: one from before formats were recorded).
    case unsupportedFormat(path: String, found: Int?, supported: Int)

    public var description: String {
        switch self {
        case .notInitialized(let path): "state store \(path) has no genesis state"
        case .alreadyInitialized(let path, let head): "state store \(path) is already initialized (head block \(head))"
        case .unexpectedBlock(let expected, let got): "expected block \(expected), got block \(got)"
        case .staleChange(let block, let key, let expected, let found):
            "block \(block) does not apply: \(key) holds \(found.map { "\($0)" } ?? "nothing"), "
                + "the change set expects \(expected.map { "\($0)" } ?? "nothing")"
        case .commitmentMismatch(let block, let header, let computed):
            "block \(block): header commitment \(header.hex) but the change set gives \(computed.hex)"
        case .genesisMismatch(let expected, let computed):
            "the genesis entries give block 0 the hash \(computed.hex), not \(expected.hex) as its header says"
        case .parentMismatch(let block, let expected, let found):
            "block \(block): parent hash \(found.hex) is not the head's hash \(expected.hex)"
        case .unsortedEntries(let key): "entries out of key order at \(key)"
        case .historyUnavailable(let block, let reason): "cannot unwind to block \(block): \(reason)"
        case .corrupt(let path, let what, let reason): "state store \(path): corrupt \(what): \(reason)"
        case .notFound(let path): "no state store in \(path)"
        case .locked(let error): "state store \(error)"
        case .unsupportedFormat(let path, let found, let supported):
            "state store \(path) is in format \(found.map(String.init) ?? "0 (unversioned)"); this build reads format \(supported) only: rebuild it with `takeoff replay`"
        }
    }
}
