import TakeoffCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

/// Writes a whole file so that a crash leaves either the old file or the new one, and so that nothing but a
/// regular file (or nothing) is ever replaced.
///
/// The bytes go to a temporary file in the target's own directory (so the rename cannot cross file
/// systems); ``commit()`` syncs it, checks once more that the target is absent or a regular file, renames
/// the temporary file over it and syncs the directory. A writer dropped without committing removes its
/// temporary file, the only file it created. A directory, a link or a device at the target is refused
/// before anything is written.
package final class AtomicFileWriter {
    /// The file to write.
    package let path: String
    private let temporaryPath: String
    private var descriptor: Int32
    private var committed = false

    /// Starts writing `path`.
    /// - Throws: ``FileError`` when `path` exists and is not a regular file, or its directory cannot take a
    ///   new file.
    package init(path: String) throws(FileError) {
        try Self.checkReplaceable(path)
        let (directory, name) = Self.split(path)
        var suffix = UInt64.random(in: 0...UInt64.max)
        var candidate = ""
        var opened: Int32 = -1
        for _ in 0..<8 {
            candidate = directory + "/." + name + ".tmp-\(getpid())-\(String(suffix, radix: 16))"
            opened = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if opened >= 0 || errno != EEXIST { break }
            suffix &+= 1
        }
        guard opened >= 0 else { throw FileError(path: candidate, operation: "create", code: errno) }
        self.path = path
        temporaryPath = candidate
        descriptor = opened
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed { unlink(temporaryPath) }
    }

    /// Appends `bytes`.
    /// - Throws: ``FileError`` (a full disk among others).
    package func write(_ bytes: some Collection<UInt8>) throws(FileError) {
        let result: Int32? = bytes.withContiguousStorageIfAvailable { buffer in
            Self.writeAll(descriptor, UnsafeRawBufferPointer(buffer))
        }
        let code = result ?? Array(bytes).withUnsafeBytes { Self.writeAll(descriptor, $0) }
        if code != 0 { throw FileError(path: temporaryPath, operation: "write", code: code) }
    }

    /// Makes the new file durable and puts it in place of the old one.
    /// - Throws: ``FileError``; the target is then unchanged.
    package func commit() throws(FileError) {
        precondition(!committed && descriptor >= 0, "commit called twice")
        guard fsync(descriptor) == 0 else { throw FileError(path: temporaryPath, operation: "fsync", code: errno) }
        close(descriptor)
        descriptor = -1
        try Self.checkReplaceable(path)
        guard rename(temporaryPath, path) == 0 else { throw FileError(path: path, operation: "rename", code: errno) }
        committed = true
        try syncDirectory(Self.split(path).directory)
    }

    /// Writes `bytes` as the whole content of `path`, atomically and durably.
    /// - Throws: ``FileError``; `path` is then unchanged.
    package static func write(_ bytes: some Collection<UInt8>, to path: String) throws(FileError) {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(bytes)
        try writer.commit()
    }

    /// Refuses a target that exists and is not a regular file.
    package static func checkReplaceable(_ path: String) throws(FileError) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return }
            throw FileError(path: path, operation: "stat", code: errno)
        }
        let type = status.st_mode & S_IFMT
        if type == S_IFDIR {
            throw FileError(path: path, operation: "write", code: EISDIR, reason: "it is a directory; give a file name")
        }
        guard type == S_IFREG else {
            throw FileError(path: path, operation: "write", code: EEXIST, reason: "it exists and is not a regular file")
        }
    }

    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    private static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Int32 {
        var done = 0
        while done < buffer.count {
            let result = systemWrite(descriptor, buffer.baseAddress! + done, buffer.count - done)
            if result < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += result
        }
        return 0
    }
}

/// Makes a rename or a new file in `directory` durable.
/// - Throws: ``FileError``.
package func syncDirectory(_ directory: String) throws(FileError) {
    let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { throw FileError(path: directory, operation: "open", code: errno) }
    defer { close(descriptor) }
    guard fsync(descriptor) == 0 else { throw FileError(path: directory, operation: "fsync", code: errno) }
}
