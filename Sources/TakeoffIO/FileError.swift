import TakeoffCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file operation that failed, with the path, the operation and the system's error code.
///
/// Its description says in words when the cause is a full disk or a file-size limit, since the system's own
/// text for those ("Input/output error", "File too large") does not point at the fix.
public struct FileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file or directory.
    public var path: String
    /// What was being done: `open`, `write`, `fsync`, `rename`...
    public var operation: String
    /// The `errno` value.
    public var code: Int32
    /// Why, in words, when the system's text for `code` would not say it.
    public var reason: String?

    /// Creates an error.
    public init(path: String, operation: String, code: Int32, reason: String? = nil) {
        self.path = path
        self.operation = operation
        self.code = code
        self.reason = reason
    }

    /// Whether the cause is running out of space (a full disk, a quota, or a file-size limit).
    public var isOutOfSpace: Bool { Self.isOutOfSpace(code) }

    public var description: String { "\(operation) \(path): \(reason ?? Self.explain(code))" }

    /// Whether `code` means the data did not fit.
    package static func isOutOfSpace(_ code: Int32) -> Bool { code == ENOSPC || code == EDQUOT || code == EFBIG }

    /// The system's text for `code`, with a hint where the text alone misleads.
    package static func explain(_ code: Int32) -> String {
        let text = "\(String(cString: strerror(code))) (errno \(code))"
        switch code {
        case ENOSPC, EDQUOT: return text + ": the disk is full; free some space and run the command again"
        case EFBIG: return text + ": a file-size limit was reached (ulimit -f?)"
        default: return text
        }
    }
}

/// The free bytes of the file system holding `path`, or nil when it cannot be told.
package func freeBytes(onFileSystemOf path: String) -> UInt64? {
    var status = statvfs()
    guard statvfs(path, &status) == 0 else { return nil }
    return UInt64(status.f_bavail) * UInt64(status.f_frsize)
}

/// Creates `path` and any missing parents, as `mkdir -p` does.
/// - Throws: ``FileError`` naming the directory that could not be made.
package func createDirectories(_ path: String) throws(FileError) {
    var prefix = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        prefix += "/" + component
        if mkdir(prefix, 0o755) != 0 {
            let code = errno
            var status = stat()
            guard code == EEXIST, stat(prefix, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                throw FileError(path: prefix, operation: "create directory", code: code == EEXIST ? ENOTDIR : code)
            }
        }
    }
}

/// The names in `directory`, without `.` and `..`.
/// - Throws: ``FileError``.
package func directoryEntries(_ directory: String) throws(FileError) -> [String] {
    guard let handle = opendir(directory) else { throw FileError(path: directory, operation: "list", code: errno) }
    defer { closedir(handle) }
    var names: [String] = []
    while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
