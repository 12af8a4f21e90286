import TakeoffCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Another process holds the writer lock of a store or an archive.
public struct WriterLockError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The directory that is in use.
    public var directory: String
    /// The process holding it, as it recorded itself (pid, and its command line where it can be read).
    public var holder: String

    public var description: String {
        "\(directory) is in use by another process (\(holder)); wait for it to finish, or stop it"
    }
}

/// An exclusive lock on a directory for one writer, held for as long as this object lives (in practice the
/// life of the process that opened a store or an archive for writing).
///
/// It is an advisory `flock` on `DIR/writer.lock`: the kernel releases it when the process ends however it
/// ends, so a killed writer never leaves a stale lock. The file keeps the holder's pid so that a second
/// writer can say who is in the way. Readers never take it: they never wait for a writer.
package final class WriterLock: Sendable {
    /// The lock file's name inside the directory.
    package static let fileName = "writer.lock"
    private let descriptor: Int32

    /// Takes the lock on `directory`, or fails at once if another writer has it.
    /// - Throws: ``WriterLockError`` naming the holder, or ``FileError`` when the lock file cannot be opened.
    package init(directory: String) throws {
        let path = directory + "/" + Self.fileName
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(path: path, operation: "open", code: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.readHolder(descriptor)
            close(descriptor)
            if code == EWOULDBLOCK { throw WriterLockError(directory: directory, holder: holder) }
            throw FileError(path: path, operation: "flock", code: code)
        }
        self.descriptor = descriptor
        // Who holds it, for the message a second writer prints; best effort, the lock itself is the flock.
        let text = Array("pid \(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(descriptor) }

    private static func readHolder(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        let text = String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self).trimmingWhitespace
        guard text.hasPrefix("pid "), let pid = Int32(text.dropFirst(4)) else { return "pid unknown" }
        guard let command = commandLine(of: pid) else { return "pid \(pid)" }
        return "pid \(pid): \(command)"
    }

    /// The command line of `pid`, where /proc has it.
    private static func commandLine(of pid: Int32) -> String? {
        let descriptor = open("/proc/\(pid)/cmdline", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let words = buffer.prefix(count).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return words.joined(separator: " ")
    }
}

extension String {
    /// The string without leading and trailing spaces and newlines.
    package var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
