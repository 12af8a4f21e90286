import Foundation
import TakeoffCore
import TakeoffIO

/// The list of an archive's segments and the blocks each holds, so that a missing, emptied, swapped or
/// extra segment is detected instead of being read as a shorter archive.
///
/// It is a small text file, `manifest`, replaced atomically (``AtomicFileWriter``) whenever a segment is
/// started or sealed and when the archive is cut back. Every segment but the last is *sealed*: the
/// manifest records its last block, so the segment must end exactly there. The last segment is open: its
/// index says how far it goes. A cut in progress (``cutAfter``) is recorded before any file is touched, so
/// a cut interrupted by a crash is finished by the next writer and respected by readers meanwhile.
///
/// ```
/// takeoff archive manifest
/// format 2
/// segment 1 first 0 last 30
/// segment 2 first 31
/// sha256 <SHA-256 of the lines above, hex>
/// ```
struct ArchiveManifest: Equatable {
    /// One segment.
    struct Entry: Equatable {
        /// The segment's number (its file is ``BlockArchive/segmentName(_:)``).
        var number: Int
        /// The first block it holds.
        var firstBlock: UInt64
        /// Its last block once sealed; nil for the open, last segment.
        var lastBlock: UInt64?
    }

    static let fileName = "manifest"
    /// The archive format: record framing, block encoding and commitment (2: the 80-lane commitment). A
    /// different one is refused.
    static let formatVersion = 2
    private static let title = "takeoff archive manifest"

    /// The segments, in order.
    var segments: [Entry] = []
    /// A cut in progress: every block after this one is being removed.
    var cutAfter: UInt64?

    /// The file's text.
    var text: String {
        var lines = [Self.title, "format \(Self.formatVersion)"]
        for entry in segments {
            lines.append("segment \(entry.number) first \(entry.firstBlock)" + (entry.lastBlock.map { " last \($0)" } ?? ""))
        }
        if let cutAfter { lines.append("cut-after \(cutAfter)") }
        let body = lines.joined(separator: "\n") + "\n"
        return body + "sha256 \(Hash32.sha256(Array(body.utf8)).hex)\n"
    }

    /// Parses a manifest.
    /// - Throws: ``ArchiveError/manifest(path:reason:)`` for a damaged file or another format.
    init(text: String, path: String) throws(ArchiveError) {
        func damaged(_ reason: String) -> ArchiveError { .manifest(path: path, reason: reason) }
        guard let checksumStart = text.range(of: "sha256 ", options: .backwards)?.lowerBound else {
            throw damaged("it has no checksum line")
        }
        let body = String(text[..<checksumStart])
        let checksum = String(text[checksumStart...].dropFirst("sha256 ".count)).trimmingWhitespace
        guard Hash32.sha256(Array(body.utf8)).hex == checksum else { throw damaged("checksum mismatch") }
        let lines = body.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        guard lines.first == Self.title.split(separator: " ").map(String.init) else { throw damaged("not a Takeoff archive manifest") }
        guard lines.count >= 2, lines[1].count == 2, lines[1][0] == "format", let format = Int(lines[1][1]) else {
            throw damaged("no format line")
        }
        guard format == Self.formatVersion else {
            throw damaged("archive format \(format); this build reads format \(Self.formatVersion) only")
        }
        for words in lines.dropFirst(2) {
            switch words.first {
            case "segment":
                guard words.count == 4 || words.count == 6, words[2] == "first", let number = Int(words[1]),
                    let first = UInt64(words[3])
                else { throw damaged("bad line: \(words.joined(separator: " "))") }
                var entry = Entry(number: number, firstBlock: first)
                if words.count == 6 {
                    guard words[4] == "last", let last = UInt64(words[5]), last >= first else {
                        throw damaged("bad line: \(words.joined(separator: " "))")
                    }
                    entry.lastBlock = last
                }
                guard number == segments.count + 1 else { throw damaged("segment \(number) listed out of order") }
                if let previous = segments.last {
                    guard let previousLast = previous.lastBlock, first == previousLast + 1 else {
                        throw damaged("segment \(number) does not follow segment \(previous.number)")
                    }
                }
                segments.append(entry)
            case "cut-after":
                guard words.count == 2, let block = UInt64(words[1]) else { throw damaged("bad line: \(words.joined(separator: " "))") }
                cutAfter = block
            default:
                throw damaged("bad line: \(words.joined(separator: " "))")
            }
        }
    }

    /// An empty manifest.
    init() {}

    /// Reads the manifest in `directory`, or nil when there is none.
    /// - Throws: ``ArchiveError``.
    static func read(directory: String) throws(ArchiveError) -> ArchiveManifest? {
        let path = directory + "/" + fileName
        let file: ArchiveFile
        do { file = try ArchiveFile(path: path, writable: false, create: false) } catch {
            if case .io(_, _, let code) = error, code == ENOENT { return nil }
            throw error
        }
        let bytes = try file.read(at: 0, count: min(Int(try file.size()), 1 << 24))
        return try ArchiveManifest(text: String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Replaces the manifest in `directory`, atomically and durably.
    /// - Throws: ``ArchiveError/io(path:operation:errno:)``.
    func write(directory: String) throws(ArchiveError) {
        do { try AtomicFileWriter.write(Array(text.utf8), to: directory + "/" + Self.fileName) } catch {
            throw ArchiveError(error)
        }
    }
}
