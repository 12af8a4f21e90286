import TakeoffCore
import TakeoffIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file of the archive, through POSIX calls: positioned reads, appends, fsync, truncation. Every failure
/// becomes an ``ArchiveError/io(path:operation:errno:)`` naming the file.
final class ArchiveFile {
    let path: String
    private let descriptor: Int32

    /// Opens `path`; `create` makes it when missing.
    init(path: String, writable: Bool, create: Bool) throws(ArchiveError) {
        var flags = writable ? O_RDWR : O_RDONLY
        if create { flags |= O_CREAT }
        let descriptor = open(path, flags | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ArchiveError.io(path: path, operation: "open", errno: errno) }
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The file's size in bytes.
    func size() throws(ArchiveError) -> UInt64 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ArchiveError.io(path: path, operation: "fstat", errno: errno) }
        return UInt64(status.st_size)
    }

    /// Up to `count` bytes from `offset` (fewer at the end of the file).
    func read(at offset: UInt64, count: Int) throws(ArchiveError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw ArchiveError.io(path: path, operation: "read", errno: errno)
            }
            if result == 0 { break }
            done += result
        }
        return Array(bytes.prefix(done))
    }

    /// Writes `bytes` at `offset`.
    func write(_ bytes: [UInt8], at offset: UInt64) throws(ArchiveError) {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw ArchiveError.io(path: path, operation: "write", errno: errno)
            }
            done += result
        }
    }

    /// Flushes the file's data to disk.
    func sync() throws(ArchiveError) {
        guard fsync(descriptor) == 0 else { throw ArchiveError.io(path: path, operation: "fsync", errno: errno) }
    }

    /// Cuts the file to `length` bytes.
    func truncate(to length: UInt64) throws(ArchiveError) {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw ArchiveError.io(path: path, operation: "truncate", errno: errno) }
    }
}
