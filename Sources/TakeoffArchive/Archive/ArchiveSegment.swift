import Foundation
import TakeoffCore
import TakeoffIO

/// One segment file of an archive and the (block, byte offset) of each record in it, from its index file
/// or, when that is missing or damaged, from walking the records themselves.
final class ArchiveSegment {
    /// The segment's number, from 1.
    let number: Int
    /// The segment file.
    let data: ArchiveFile
    /// The index file; nil for a reader whose index is missing (it works from a rebuilt one in memory).
    var index: ArchiveFile?
    /// (block, offset) of every record, in order.
    var entries: [(block: UInt64, offset: UInt64)]
    /// Where the next record goes: the byte after the last record.
    var end: UInt64

    /// The segment file's name.
    var name: String { BlockArchive.segmentName(number) }

    init(number: Int, data: ArchiveFile, index: ArchiveFile?, entries: [(block: UInt64, offset: UInt64)] = [], end: UInt64 = 0) {
        self.number = number
        self.data = data
        self.index = index
        self.entries = entries
        self.end = end
    }

    static let indexEntrySize = 16

    /// The index file's path for the segment file at `path`.
    static func indexPath(for path: String) -> String { String(path.dropLast(".tko".count)) + ".idx" }

    // MARK: - Index

    /// The entries of the index file, or why they cannot be used (missing, not consecutive, offsets not
    /// increasing). Entries past the end of the segment are kept: that is data lost, not an index damaged.
    func readIndex() throws(ArchiveError) -> Result<[(block: UInt64, offset: UInt64)], IndexProblem> {
        guard let index else { return .failure(IndexProblem(reason: "is missing")) }
        let bytes = try index.read(at: 0, count: Int(try index.size()))
        let count = bytes.count / Self.indexEntrySize
        var entries: [(block: UInt64, offset: UInt64)] = []
        entries.reserveCapacity(bytes.count / Self.indexEntrySize)
        var reader = ByteReader(Array(bytes.prefix(bytes.count - bytes.count % Self.indexEntrySize)))
        while reader.remaining >= Self.indexEntrySize {
            // Whole entries only, so these reads cannot fail.
            let block = try! reader.readUInt64()
            let offset = try! reader.readUInt64()
            if let last = entries.last, block != last.block + 1 {
                return .failure(IndexProblem(reason: "entry \(entries.count) names block \(block) after block \(last.block)", entryCount: count))
            }
            if let last = entries.last, offset <= last.offset {
                return .failure(IndexProblem(reason: "entry \(entries.count) (block \(block)) goes back to byte offset \(offset)", entryCount: count))
            }
            entries.append((block, offset))
        }
        return .success(entries)
    }

    /// Why an index cannot be used, and how many entries it holds (whole or not, each names one block).
    struct IndexProblem: Error {
        var reason: String
        var entryCount = 0
    }

    /// The index file's bytes for `entries`.
    static func indexBytes(_ entries: some Collection<(block: UInt64, offset: UInt64)>) -> [UInt8] {
        var writer = ByteWriter(capacity: entries.count * indexEntrySize)
        for entry in entries {
            writer.write(entry.block)
            writer.write(entry.offset)
        }
        return writer.bytes
    }

    /// Replaces the index file with one for ``entries``, atomically, and reopens it.
    func rewriteIndex(path: String) throws(ArchiveError) {
        do { try AtomicFileWriter.write(Self.indexBytes(entries), to: path) } catch {
            throw ArchiveError(error)
        }
        index = try ArchiveFile(path: path, writable: true, create: false)
    }

    // MARK: - Records

    /// The byte after the record of `entry`, after checking that its header is there, names the block and
    /// fits in the segment.
    /// - Throws: ``ArchiveError/truncated(segment:block:offset:)`` or ``ArchiveError/corrupt(segment:block:offset:reason:)``.
    func recordEnd(of entry: (block: UInt64, offset: UInt64), segmentSize: UInt64) throws(ArchiveError) -> UInt64 {
        guard entry.offset + UInt64(RecordFraming.headerSize) <= segmentSize else {
            throw ArchiveError.truncated(segment: name, block: entry.block, offset: entry.offset)
        }
        switch RecordFraming.decodeHeader(try data.read(at: entry.offset, count: RecordFraming.headerSize)) {
        case .failure(let problem):
            throw ArchiveError.corrupt(segment: name, block: entry.block, offset: entry.offset, reason: problem.reason)
        case .success(let header):
            guard header.block == entry.block else {
                throw ArchiveError.outOfOrder(segment: name, expected: entry.block, found: header.block, offset: entry.offset)
            }
            let end = entry.offset + UInt64(RecordFraming.headerSize + header.frameLength)
            guard end <= segmentSize else { throw ArchiveError.truncated(segment: name, block: entry.block, offset: entry.offset) }
            return end
        }
    }

    /// Walks whole records from `offset`: each must have a sound header naming the next block (the first
    /// one `firstBlock`, when given) and fit in the segment; with `verifyChecksums`, its checksum must match
    /// too. Stops at the first record that does not pass.
    func walkRecords(
        from offset: UInt64, firstBlock: UInt64?, segmentSize: UInt64, verifyChecksums: Bool
    ) throws(ArchiveError) -> (entries: [(block: UInt64, offset: UInt64)], end: UInt64) {
        var entries: [(block: UInt64, offset: UInt64)] = []
        var position = offset
        var expected = firstBlock
        while position + UInt64(RecordFraming.headerSize) <= segmentSize {
            guard case .success(let header) = RecordFraming.decodeHeader(try data.read(at: position, count: RecordFraming.headerSize)),
                expected == nil || header.block == expected
            else { break }
            let frameStart = position + UInt64(RecordFraming.headerSize)
            let end = frameStart + UInt64(header.frameLength)
            guard end <= segmentSize else { break }
            if verifyChecksums, Hash32.sha256(try data.read(at: frameStart, count: header.frameLength)) != header.checksum { break }
            entries.append((header.block, position))
            position = end
            expected = header.block + 1
        }
        return (entries, position)
    }

    /// Whether the `count` bytes at `offset` (after the last whole record) can be what a crash leaves of an
    /// append of block `nextBlock`: zeros (space allocated, data never written), the start of a record
    /// header, or a record of that block that is cut short or whose bytes never all reached the disk.
    /// Anything else was not written by an append.
    func isTornRecord(at offset: UInt64, count: UInt64, nextBlock: UInt64?) throws(ArchiveError) -> Bool {
        let head = try data.read(at: offset, count: Int(min(count, UInt64(RecordFraming.headerSize))))
        if count <= 4 << 20, try data.read(at: offset, count: Int(count)).allSatisfy({ $0 == 0 }) { return true }
        let prefix = RecordFraming.headerPrefix
        if head.count < RecordFraming.headerSize { return Array(head.prefix(prefix.count)) == Array(prefix.prefix(min(head.count, prefix.count))) }
        guard case .success(let header) = RecordFraming.decodeHeader(head), nextBlock == nil || header.block == nextBlock else {
            return false
        }
        return UInt64(RecordFraming.headerSize + header.frameLength) >= count
    }
}
