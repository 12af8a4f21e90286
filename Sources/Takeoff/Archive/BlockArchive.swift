import Foundation

/// An append-only archive of blocks in a directory: numbered segment files of zstd frames, one record per
/// block (see ``RecordFraming``), and beside each segment an index of (block number, byte offset) pairs for
/// random access.
///
/// Appends are durable when ``append(_:)`` returns: the record is written and synced before its index entry,
/// so an index entry never points at data that was not synced. A writer that opens an archive whose last
/// record was torn by a crash cuts it back and says so in ``recoveryNote``; a reader reports it as an error.
/// Every record carries a SHA-256 checksum of its compressed bytes, checked on every read.
public final class BlockArchive: @unchecked Sendable {
    // @unchecked: all mutable state is behind `lock`.
    /// The directory.
    public let directory: String
    /// A segment rolls over to a new file once it holds this many bytes.
    public let segmentSizeLimit: UInt64
    /// Whether this archive was opened for appending.
    public let isWritable: Bool
    /// What opening had to repair (a torn last record cut back), if anything.
    public private(set) var recoveryNote: String?

    private let lock = NSLock()
    private var segments: [Segment] = []

    /// One segment file and its index.
    final class Segment {
        let number: Int
        let data: ArchiveFile
        let index: ArchiveFile
        /// (block, offset) of every record, in order.
        var entries: [(block: UInt64, offset: UInt64)]
        /// Where the next record goes.
        var end: UInt64

        var name: String { BlockArchive.segmentName(number) }

        init(number: Int, data: ArchiveFile, index: ArchiveFile, entries: [(block: UInt64, offset: UInt64)], end: UInt64) {
            self.number = number
            self.data = data
            self.index = index
            self.entries = entries
            self.end = end
        }
    }

    static func segmentName(_ number: Int) -> String {
        let digits = String(number)
        return "segment-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".tko"
    }

    private static let indexEntrySize = 16

    /// Opens the archive in `directory`.
    /// - Parameters:
    ///   - writable: open for appending (creating the directory when missing) and repair a torn tail;
    ///     otherwise open read-only and change nothing.
    ///   - segmentSizeLimit: bytes per segment before a new one starts.
    /// - Throws: ``ArchiveError`` for a missing directory (read-only), a missing segment, records out of
    ///   order, or unreadable files.
    public init(directory: String, writable: Bool, segmentSizeLimit: UInt64 = 64 << 20) throws {
        self.directory = directory
        self.isWritable = writable
        self.segmentSizeLimit = max(segmentSizeLimit, 1)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard writable else { throw ArchiveError.notFound(directory: directory) }
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw ArchiveError.io(path: directory, operation: "create directory", errno: EACCES)
            }
        } else if !isDirectory.boolValue {
            throw ArchiveError.notFound(directory: directory)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let numbers = names.compactMap { name -> Int? in
            guard name.hasPrefix("segment-"), name.hasSuffix(".tko") else { return nil }
            return Int(name.dropFirst("segment-".count).dropLast(".tko".count))
        }.sorted()
        if !writable && numbers.isEmpty { throw ArchiveError.notFound(directory: directory) }
        var expectedNumber = 1
        for number in numbers {
            guard number == expectedNumber else { throw ArchiveError.missingSegment(name: Self.segmentName(expectedNumber)) }
            expectedNumber += 1
            let segment = try openSegment(number, isLast: number == numbers.last)
            if let previous = segments.last, let last = previous.entries.last, let first = segment.entries.first,
                first.block != last.block + 1
            {
                throw ArchiveError.outOfOrder(segment: segment.name, expected: last.block + 1, found: first.block, offset: first.offset)
            }
            segments.append(segment)
        }
    }

    private func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    private func openSegment(_ number: Int, isLast: Bool) throws(ArchiveError) -> Segment {
        let name = Self.segmentName(number)
        let data = try ArchiveFile(path: path(name), writable: isWritable, create: false)
        let indexName = name.replacingOccurrences(of: ".tko", with: ".idx")
        let index = try ArchiveFile(path: path(indexName), writable: isWritable, create: isWritable)
        let indexBytes = try index.read(at: 0, count: Int(try index.size()))
        var entries: [(block: UInt64, offset: UInt64)] = []
        var reader = ByteReader(Array(indexBytes.prefix(indexBytes.count - indexBytes.count % Self.indexEntrySize)))
        while reader.remaining >= Self.indexEntrySize {
            // The prefix holds whole entries only, so these reads cannot fail.
            let block = try! reader.readUInt64()
            let offset = try! reader.readUInt64()
            if let last = entries.last, block != last.block + 1 || offset <= last.offset {
                throw ArchiveError.outOfOrder(segment: name, expected: last.block + 1, found: block, offset: offset)
            }
            entries.append((block, offset))
        }
        let segment = Segment(number: number, data: data, index: index, entries: entries, end: 0)
        segment.end = try endOfLastRecord(segment)
        if isLast && isWritable { try repairTail(segment, indexBytes: indexBytes.count) }
        return segment
    }

    /// The byte after the last indexed record (0 for an empty segment).
    private func endOfLastRecord(_ segment: Segment) throws(ArchiveError) -> UInt64 {
        guard let last = segment.entries.last else { return 0 }
        let headerBytes = try segment.data.read(at: last.offset, count: RecordFraming.headerSize)
        guard case .success(let header) = RecordFraming.decodeHeader(headerBytes) else {
            // A reader reports this when it reads the block; a writer's repair cuts it back.
            return last.offset
        }
        return last.offset + UInt64(RecordFraming.headerSize + header.frameLength)
    }

    /// Makes the last segment end with a whole, checked record: indexes complete records written after the
    /// last index entry, and cuts back a torn record.
    private func repairTail(_ segment: Segment, indexBytes: Int) throws(ArchiveError) {
        let size = try segment.data.size()
        var notes: [String] = []
        // Index entries whose records are not all there (the segment was cut short under the index).
        while let last = segment.entries.last, (try? readRecord(segment, at: last.offset, block: last.block, size: size)) == nil {
            segment.entries.removeLast()
            notes.append("dropped block \(last.block) at byte offset \(last.offset) (incomplete)")
        }
        segment.end = try endOfLastRecord(segment)
        // Complete records after the last index entry (a crash between the record's sync and the index's).
        var offset = segment.end
        var nextBlock = segment.entries.last.map { $0.block + 1 } ?? (previousLastBlock(before: segment.number).map { $0 + 1 })
        while offset < size {
            let headerBytes = try segment.data.read(at: offset, count: RecordFraming.headerSize)
            guard case .success(let header) = RecordFraming.decodeHeader(headerBytes),
                nextBlock == nil || header.block == nextBlock,
                (try? readRecord(segment, at: offset, block: header.block, size: size)) != nil
            else { break }
            segment.entries.append((header.block, offset))
            offset += UInt64(RecordFraming.headerSize + header.frameLength)
            nextBlock = header.block + 1
        }
        if offset < size {
            notes.append("cut back \(size - offset) bytes of a torn record at byte offset \(offset)")
            try segment.data.truncate(to: offset)
            try segment.data.sync()
        }
        segment.end = offset
        if !notes.isEmpty || indexBytes != segment.entries.count * Self.indexEntrySize {
            try rewriteIndex(segment)
        }
        if !notes.isEmpty { recoveryNote = "segment \(segment.name): " + notes.joined(separator: "; ") }
    }

    private func previousLastBlock(before number: Int) -> UInt64? {
        segments.last(where: { $0.number < number })?.entries.last?.block
    }

    private func rewriteIndex(_ segment: Segment) throws(ArchiveError) {
        var writer = ByteWriter(capacity: segment.entries.count * Self.indexEntrySize)
        for entry in segment.entries {
            writer.write(entry.block)
            writer.write(entry.offset)
        }
        try segment.index.truncate(to: 0)
        try segment.index.write(writer.bytes, at: 0)
        try segment.index.sync()
    }

    // MARK: - Reading

    /// The first block in the archive, or nil when it is empty.
    public var firstBlock: UInt64? { lock.withLock { segments.first?.entries.first?.block } }

    /// The last block in the archive, or nil when it is empty.
    public var head: UInt64? { lock.withLock { segments.last(where: { !$0.entries.isEmpty })?.entries.last?.block } }

    /// Reads and checks block `number`.
    /// - Throws: ``ArchiveError/blockNotFound(_:head:)``, ``ArchiveError/truncated(segment:block:offset:)``,
    ///   ``ArchiveError/corrupt(segment:block:offset:reason:)`` or ``ArchiveError/outOfOrder(segment:expected:found:offset:)``.
    public func read(_ number: UInt64) throws(ArchiveError) -> ArchivedBlock {
        let located: (Segment, UInt64)? = lock.withLock {
            for segment in segments {
                guard let first = segment.entries.first, let last = segment.entries.last else { continue }
                if number >= first.block && number <= last.block {
                    return (segment, segment.entries[Int(number - first.block)].offset)
                }
            }
            return nil
        }
        guard let (segment, offset) = located else { throw ArchiveError.blockNotFound(number, head: head) }
        return try readRecord(segment, at: offset, block: number, size: try segment.data.size())
    }

    private func readRecord(_ segment: Segment, at offset: UInt64, block: UInt64, size: UInt64) throws(ArchiveError) -> ArchivedBlock {
        guard offset + UInt64(RecordFraming.headerSize) <= size else {
            throw ArchiveError.truncated(segment: segment.name, block: block, offset: offset)
        }
        let header: RecordFraming.Header
        switch RecordFraming.decodeHeader(try segment.data.read(at: offset, count: RecordFraming.headerSize)) {
        case .success(let decoded): header = decoded
        case .failure(let problem): throw ArchiveError.corrupt(segment: segment.name, block: block, offset: offset, reason: problem.reason)
        }
        guard header.block == block else {
            throw ArchiveError.outOfOrder(segment: segment.name, expected: block, found: header.block, offset: offset)
        }
        let frameOffset = offset + UInt64(RecordFraming.headerSize)
        guard frameOffset + UInt64(header.frameLength) <= size else {
            throw ArchiveError.truncated(segment: segment.name, block: block, offset: offset)
        }
        let frame = try segment.data.read(at: frameOffset, count: header.frameLength)
        guard Hash32.sha256(frame) == header.checksum else {
            throw ArchiveError.corrupt(segment: segment.name, block: block, offset: offset, reason: "checksum mismatch")
        }
        do {
            let content = try Zstd.decompress(frame, limit: header.contentLength)
            guard content.count == header.contentLength else {
                throw ArchiveError.corrupt(
                    segment: segment.name, block: block, offset: offset,
                    reason: "decompressed to \(content.count) bytes, the header says \(header.contentLength)")
            }
            let archived = try ArchivedBlock(encoded: content)
            guard archived.number == block else {
                throw ArchiveError.outOfOrder(segment: segment.name, expected: block, found: archived.number, offset: offset)
            }
            return archived
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError.corrupt(segment: segment.name, block: block, offset: offset, reason: "\(error)")
        }
    }

    // MARK: - Appending

    /// Appends `block` durably: it must follow the head (block 0 or any first block in an empty archive).
    /// - Throws: ``ArchiveError/outOfOrder(segment:expected:found:offset:)`` for a block that does not follow the
    ///   head; ``ArchiveError/io(path:operation:errno:)`` when writing or syncing fails (a full disk): the
    ///   archive then still ends at the previous block.
    public func append(_ block: ArchivedBlock) throws {
        precondition(isWritable, "append on an archive opened read-only")
        let content = block.encoded
        let frame = try Zstd.compress(content)
        let header = RecordFraming.Header(
            block: block.number, frameLength: frame.count, contentLength: content.count, checksum: Hash32.sha256(frame))
        lock.lock()
        defer { lock.unlock() }
        do {
            if let head = segments.last(where: { !$0.entries.isEmpty })?.entries.last?.block, block.number != head + 1 {
                throw ArchiveError.outOfOrder(
                    segment: segments.last!.name, expected: head + 1, found: block.number, offset: segments.last!.end)
            }
            if segments.isEmpty || (segments.last!.end > 0 && segments.last!.end + UInt64(frame.count) > segmentSizeLimit) {
                try startSegment()
            }
            let segment = segments.last!
            let offset = segment.end
            try segment.data.write(RecordFraming.encodeHeader(header) + frame, at: offset)
            try segment.data.sync()
            var entry = ByteWriter(capacity: Self.indexEntrySize)
            entry.write(block.number)
            entry.write(offset)
            try segment.index.write(entry.bytes, at: UInt64(segment.entries.count * Self.indexEntrySize))
            try segment.index.sync()
            segment.entries.append((block.number, offset))
            segment.end = offset + UInt64(RecordFraming.headerSize + frame.count)
        }
    }

    /// A record's transaction count, from its block header alone: the checksum is verified, but only the
    /// start of the frame is decompressed.
    private func transactionCount(_ segment: Segment, at offset: UInt64, header: RecordFraming.Header, block: UInt64) throws -> UInt32 {
        let frame = try segment.data.read(at: offset + UInt64(RecordFraming.headerSize), count: header.frameLength)
        guard frame.count == header.frameLength else { throw ArchiveError.truncated(segment: segment.name, block: block, offset: offset) }
        guard Hash32.sha256(frame) == header.checksum else {
            throw ArchiveError.corrupt(segment: segment.name, block: block, offset: offset, reason: "checksum mismatch")
        }
        do {
            // The archived block's encoding starts with its format version, then the block header.
            var reader = ByteReader(Array(try Zstd.decompressPrefix(frame, count: 1 + 256).dropFirst()))
            return try BlockHeader.decode(from: &reader).transactionCount
        } catch {
            throw ArchiveError.corrupt(segment: segment.name, block: block, offset: offset, reason: "\(error)")
        }
    }

    private func startSegment() throws(ArchiveError) {
        let number = (segments.last?.number ?? 0) + 1
        let name = Self.segmentName(number)
        let data = try ArchiveFile(path: path(name), writable: true, create: true)
        let index = try ArchiveFile(path: path(name.replacingOccurrences(of: ".tko", with: ".idx")), writable: true, create: true)
        segments.append(Segment(number: number, data: data, index: index, entries: [], end: 0))
    }

    // MARK: - Statistics

    /// Counts for `takeoff inspect`.
    public struct Statistics: Sendable, Encodable {
        public var blocks = 0
        public var segments = 0
        public var firstBlock: UInt64?
        public var headBlock: UInt64?
        public var transactions = 0
        /// Bytes on disk in the segment files.
        public var bytes: UInt64 = 0
        /// The blocks' encodings before compression.
        public var uncompressedBytes: UInt64 = 0

        /// Uncompressed bytes per byte on disk.
        public var compressionRatio: Double { bytes > 0 ? Double(uncompressedBytes) / Double(bytes) : 0 }
        /// Bytes on disk per archived transaction.
        public var bytesPerTransaction: Double { transactions > 0 ? Double(bytes) / Double(transactions) : 0 }
    }

    /// Reads every record header (and every block's transaction count) to count what the archive holds.
    /// - Throws: as ``read(_:)``.
    public func statistics() throws -> Statistics {
        var statistics = Statistics()
        let segments = lock.withLock { self.segments }
        statistics.segments = segments.count
        statistics.firstBlock = firstBlock
        statistics.headBlock = head
        for segment in segments {
            statistics.bytes += try segment.data.size()
            for entry in segment.entries {
                let headerBytes = try segment.data.read(at: entry.offset, count: RecordFraming.headerSize)
                guard case .success(let header) = RecordFraming.decodeHeader(headerBytes) else {
                    throw ArchiveError.corrupt(segment: segment.name, block: entry.block, offset: entry.offset, reason: "bad record header")
                }
                statistics.uncompressedBytes += UInt64(header.contentLength)
                statistics.blocks += 1
                statistics.transactions += Int(try transactionCount(segment, at: entry.offset, header: header, block: entry.block))
            }
        }
        return statistics
    }
}
