import CLMDB
import TakeoffCore
import TakeoffIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An LMDB (or system) error code with the operation that returned it.
public struct LMDBError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The return code: an `MDB_*` code or an errno value.
    public var code: Int32
    /// What was being done, e.g. `mdb_env_open(/var/db)`.
    public var operation: String
    /// The free bytes of the store's file system when a write failed, to tell a full disk from other causes.
    public var freeBytes: UInt64?
    /// The process's file-size limit (`ulimit -f`) in bytes when a write failed and one was set.
    public var fileSizeLimit: UInt64?

    /// Creates an error.
    public init(code: Int32, operation: String, freeBytes: UInt64? = nil, fileSizeLimit: UInt64? = nil) {
        self.code = code
        self.operation = operation
        self.freeBytes = freeBytes
        self.fileSizeLimit = fileSizeLimit
    }

    /// An error for a failed write to the environment in `path`, with what tells a full disk or a file-size
    /// limit from other causes (LMDB reports both as `EIO`).
    static func failedWrite(code: Int32, operation: String, path: String) -> LMDBError {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
        #else
        let resource = RLIMIT_FSIZE
        #endif
        let hasLimit = getrlimit(resource, &limit) == 0 && limit.rlim_cur != rlim_t.max
        return LMDBError(
            code: code, operation: operation, freeBytes: TakeoffIO.freeBytes(onFileSystemOf: path),
            fileSizeLimit: hasLimit ? UInt64(limit.rlim_cur) : nil)
    }

    /// `mdb_strerror`'s text for the code.
    public var message: String { String(cString: mdb_strerror(code)) }

    public var description: String { "\(operation): \(message) (code \(code))" + (hint.map { ": " + $0 } ?? "") }

    /// Whether the write failed for lack of space: a full disk, a quota, a file-size limit, or an I/O error
    /// on a file system that has (almost) no free space left.
    public var isOutOfSpace: Bool {
        FileError.isOutOfSpace(code) || (code == EIO && (freeBytes.map { $0 < 16 << 20 } ?? false))
    }

    private var hint: String? {
        if code == EFBIG || (code == EIO && fileSizeLimit != nil) {
            return "a file-size limit\(fileSizeLimit.map { " (\($0) bytes)" } ?? "") was reached (ulimit -f?); what was committed before is intact"
        }
        guard isOutOfSpace else { return nil }
        return "the disk is full (\(freeBytes.map { "\($0) bytes free" } ?? "no space left")); free some space and run the command again: what was committed before is intact"
    }

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
