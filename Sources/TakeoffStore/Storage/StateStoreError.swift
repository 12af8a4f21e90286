import TakeoffCore
import TakeoffIO

/// Why the LMDB state store could not open or read what it holds. (What any store refuses, an out-of-order
/// block or a stale change, is a `StateStoreFault`.)
public enum StateStoreError: Error, Hashable, Sendable, CustomStringConvertible {
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
        case .corrupt(let path, let what, let reason): "state store \(path): corrupt \(what): \(reason)"
        case .notFound(let path): "no state store in \(path)"
        case .locked(let error): "state store \(error)"
        case .unsupportedFormat(let path, let found, let supported):
            "state store \(path) is in format \(found.map(String.init) ?? "0 (unversioned)"); this build reads format \(supported) only"
        }
    }
}
