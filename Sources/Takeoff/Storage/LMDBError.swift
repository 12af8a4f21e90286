import CLMDB

/// An LMDB (or system) error code with the operation that returned it.
public struct LMDBError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The return code: an `MDB_*` code or an errno value.
    public var code: Int32
    /// What was being done, e.g. `mdb_env_open(/var/db)`.
    public var operation: String

    /// Creates an error.
    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// `mdb_strerror`'s text for the code.
    public var message: String { String(cString: mdb_strerror(code)) }

    public var description: String { "\(operation): \(message) (code \(code))" }

    /// The key/data pair was not found.
    public static let notFoundCode: Int32 = MDB_NOTFOUND
    /// The map is full: the environment must grow.
    public static let mapFullCode: Int32 = MDB_MAP_FULL
    /// Another process grew the map: adopt the new size and retry.
    public static let mapResizedCode: Int32 = MDB_MAP_RESIZED
    /// The key already exists (with `MDB_NOOVERWRITE`) or is out of order (with `MDB_APPEND`).
    public static let keyExistsCode: Int32 = MDB_KEYEXIST

    /// Whether this is `MDB_MAP_FULL`.
    public var isMapFull: Bool { code == Self.mapFullCode }
}

/// Runs one LMDB call and turns a non-zero result into an ``LMDBError`` naming `operation`.
///
/// Every call into LMDB goes through here so that no return code is dropped.
@inline(__always)
func lmdbCheck(_ result: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
    if result != 0 { throw LMDBError(code: result, operation: operation()) }
}
