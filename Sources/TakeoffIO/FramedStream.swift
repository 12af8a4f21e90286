import Crypto
import Foundation
import TakeoffCore

/// Writes a file of any size in constant memory: its contents go out as zstd frames of about
/// ``frameBytes`` each (which decompress as one stream, so `zstd -d` gives the contents whole), followed by
/// SHA-256 of the contents in a frame of its own. The file appears atomically, and only when
/// ``finish()`` succeeds (see `AtomicFileWriter`).
package final class FramedStreamWriter {
    /// About the bytes of contents per frame.
    package static let frameBytes = 1 << 20
    /// The file written.
    package let path: String
    private let file: AtomicFileWriter
    private var buffer = ByteWriter(capacity: frameBytes + 4096)
    private var checksum = SHA256()

    /// Starts writing `path`.
    /// - Throws: `FileError` when `path` is not a regular file, or its directory cannot take a new file.
    package init(path: String) throws(FileError) {
        self.path = path
        file = try AtomicFileWriter(path: path)
    }

    /// Appends what `body` writes, sending out a frame whenever a mebibyte has gathered.
    /// - Throws: `FileError` (a full disk among others).
    package func append(_ body: (inout ByteWriter) -> Void) throws {
        body(&buffer)
        if buffer.bytes.count >= Self.frameBytes { try flush() }
    }

    /// Writes the last frame and the checksum, then puts the file in place.
    /// - Throws: `FileError`; nothing is at `path` then (or what was there before).
    package func finish() throws {
        try flush()
        try file.write(try Zstd.compress(Hash32(checksum.finalize()).bytes))
        try file.commit()
    }

    private func flush() throws {
        guard !buffer.bytes.isEmpty else { return }
        checksum.update(data: buffer.bytes)
        try file.write(try Zstd.compress(buffer.bytes))
        buffer = ByteWriter(capacity: Self.frameBytes + 4096)
    }
}

/// Why a framed stream could not be read.
package enum FramedStreamError: Error {
    /// The file cannot be opened or read.
    case io(FileError)
    /// A frame is damaged, the contents do not parse, or the file ends early; the reason says which.
    case damaged(String)
    /// The checksum does not match the contents.
    case checksumMismatch
}

/// Reads what ``FramedStreamWriter`` wrote, field by field, decompressing about a mebibyte at a time, with
/// the running checksum of what has been read.
package struct FramedStreamReader {
    private let file: ZstdFileReader
    private var window: [UInt8] = []
    private var reader = ByteReader([UInt8]())
    private var hashedUpTo = 0
    private var checksum = SHA256()

    /// Opens `path`.
    /// - Throws: ``FramedStreamError/io(_:)``.
    package init(path: String) throws(FramedStreamError) {
        do { file = try ZstdFileReader(path: path) } catch let error as FileError { throw .io(error) } catch {
            throw .damaged("\(error)")
        }
    }

    /// Parses the next field, decompressing more of the file when the window ends inside it.
    /// - Throws: ``FramedStreamError/damaged(_:)``.
    package mutating func read<Value>(_ parse: (inout ByteReader) throws(CodecError) -> Value) throws(FramedStreamError) -> Value {
        while true {
            var attempt = reader
            do throws(CodecError) {
                let value = try parse(&attempt)
                reader = attempt
                return value
            } catch {
                guard case .truncated = error, try refill() else { throw .damaged("\(error)") }
            }
        }
    }

    /// Checks the closing checksum against everything read before it, and that nothing follows it.
    /// - Throws: ``FramedStreamError/checksumMismatch``, or ``FramedStreamError/damaged(_:)`` for bytes after it.
    package mutating func readChecksum() throws(FramedStreamError) {
        checksum.update(data: window[hashedUpTo..<reader.offset])
        hashedUpTo = reader.offset
        let computed = Hash32(checksum.finalize())
        let stored = try read { reader throws(CodecError) in try reader.readHash("checksum") }
        guard stored == computed else { throw .checksumMismatch }
        guard reader.remaining == 0, try refill() == false else { throw .damaged("bytes follow the checksum") }
    }

    /// Keeps the unread end of the window and appends the next decompressed piece; false at the end of the file.
    private mutating func refill() throws(FramedStreamError) -> Bool {
        let next: [UInt8]
        do { next = try file.read(FramedStreamWriter.frameBytes) } catch let error as FileError { throw .io(error) } catch {
            throw .damaged("\(error)")
        }
        guard !next.isEmpty else { return false }
        checksum.update(data: window[hashedUpTo..<reader.offset])
        window = Array(window[reader.offset...]) + next
        reader = ByteReader(window)
        hashedUpTo = 0
        return true
    }
}
