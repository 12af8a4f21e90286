import Foundation
import TakeoffCore
import TakeoffIO

/// An append-only archive of blocks in a directory: numbered segment files of zstd frames, one record per
/// block (see `RecordFraming`), beside each segment an index of (block number, byte offset) pairs for
/// random access, and a manifest (`ArchiveManifest`) that lists the segments and the blocks they hold.
///
/// Appends are durable when ``append(_:)`` returns: the record is written and synced before its index entry,
/// so an index entry never points at data that was not synced, and an indexed record that is missing or
/// cut short is corruption, never a crash's leftovers. The only repair is of the torn tail a crash leaves
/// after the last indexed record of the last segment: complete records there are indexed, and a torn record
/// is cut back and reported in ``recoveryNote``. A damaged or missing index is rebuilt from the records.
/// Everything else (a missing, emptied or swapped segment, bytes that no append wrote) is reported as an
/// ``ArchiveError`` naming the segment, block and byte offset, and left as it is.
///
/// A writer holds the directory's writer lock (`WriterLockError` for a second one) for the archive's
/// life; readers take no lock and change nothing on disk. Every record carries a SHA-256 checksum of its
/// compressed bytes, checked on every read.
public final class BlockArchive: BlockLog, @unchecked Sendable {
    // @unchecked: all mutable state is behind `lock`.
    /// The directory.
    public let directory: String
    /// The archive's directory, for messages.
    public var location: String { directory }
    /// A segment rolls over to a new file once it holds this many bytes.
    public let segmentSizeLimit: UInt64
    /// Whether this archive was opened for appending.
    public let isWritable: Bool
    /// What opening had to repair or work around (a torn last record cut back, an index rebuilt), if anything.
    public private(set) var recoveryNote: String?

    private let lock = NSLock()
    private var segments: [ArchiveSegment] = []
    private var manifest = ArchiveManifest()
    private let writerLock: WriterLock?

    static func segmentName(_ number: Int) -> String {
        let digits = String(number)
        return "segment-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".tko"
    }

    /// Opens the archive in `directory`.
    /// - Parameters:
    ///   - directory: the archive's directory.
    ///   - writable: open for appending, holding the writer lock, and repair a torn tail; otherwise open
    ///     read-only and change nothing.
    ///   - create: with `writable`, create the directory and an empty archive when there is none (the
    ///     default); without it a missing archive is ``ArchiveError/notFound(directory:)``.
    ///   - segmentSizeLimit: bytes per segment before a new one starts.
    /// - Throws: ``ArchiveError``: no archive, a missing or damaged manifest, a missing, truncated or swapped
    ///   segment, data no append wrote, unreadable files, or another writer (``ArchiveError/locked(_:)``); opened
    ///   for writing, a `genesis.state` that ``checkGenesisState()`` finds missing, damaged or another archive's.
    public init(directory: String, writable: Bool, create: Bool? = nil, segmentSizeLimit: UInt64 = 64 << 20) throws {
        self.directory = directory
        self.isWritable = writable
        self.segmentSizeLimit = max(segmentSizeLimit, 1)
        let create = writable && (create ?? true)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard create else { throw ArchiveError.notFound(directory: directory) }
            do { try createDirectories(directory) } catch { throw ArchiveError(error) }
        } else if !isDirectory.boolValue {
            throw ArchiveError.notFound(directory: directory)
        }
        do { writerLock = writable ? try WriterLock(directory: directory) : nil } catch let error as WriterLockError {
            throw ArchiveError.locked(error)
        } catch let error as FileError {
            throw ArchiveError(error)
        }
        let onDisk = try Self.segmentNumbers(in: directory)
        guard var manifest = try ArchiveManifest.read(directory: directory) else {
            guard onDisk.isEmpty, create || writable else {
                throw onDisk.isEmpty
                    ? ArchiveError.notFound(directory: directory)
                    : ArchiveError.manifest(
                        path: path(ArchiveManifest.fileName),
                        reason: "missing, yet the directory holds segments: without it a lost segment cannot be told from the end of the archive")
            }
            try manifest.write(directory: directory)
            return
        }
        if let cut = manifest.cutAfter {
            guard writable else {
                throw ArchiveError.manifest(
                    path: path(ArchiveManifest.fileName),
                    reason: "a cut back to block \(cut) was interrupted; opening the archive for writing finishes it")
            }
            try finishCut(&manifest, after: cut)
        }
        self.manifest = manifest
        // Files the manifest does not list: an empty next segment is what a crash leaves while starting one
        // (it is reused); anything else did not come from this archive's appends.
        for number in onDisk where number > manifest.segments.count {
            let empty = number == manifest.segments.count + 1 && (try? ArchiveFile(path: path(Self.segmentName(number)), writable: false, create: false).size()) == 0
            if !empty {
                throw ArchiveError.manifest(
                    path: path(ArchiveManifest.fileName), reason: "segment \(Self.segmentName(number)) is on disk but not listed")
            }
        }
        var notes: [String] = []
        for entry in manifest.segments {
            segments.append(try openSegment(entry, isLast: entry.number == manifest.segments.count, notes: &notes))
        }
        if !notes.isEmpty { recoveryNote = notes.joined(separator: "; ") }
        // An archive that could not be replayed from its start takes no more blocks.
        if writable { try checkGenesisState() }
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    private static func segmentNumbers(in directory: String) throws(ArchiveError) -> [Int] {
        let names: [String]
        do { names = try directoryEntries(directory) } catch { throw ArchiveError(error) }
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("segment-"), name.hasSuffix(".tko") else { return nil }
            return Int(name.dropFirst("segment-".count).dropLast(".tko".count))
        }.sorted()
    }

    /// Opens a listed segment and checks it against the manifest: the blocks it starts (and, sealed, ends)
    /// with, every indexed record's presence at the end, nothing after the last record but a torn append.
    private func openSegment(_ listed: ArchiveManifest.Entry, isLast: Bool, notes: inout [String]) throws(ArchiveError) -> ArchiveSegment {
        let name = Self.segmentName(listed.number)
        let dataPath = path(name)
        let data: ArchiveFile
        do { data = try ArchiveFile(path: dataPath, writable: isWritable, create: false) } catch {
            if case .io(_, _, let code) = error, code == ENOENT { throw ArchiveError.missingSegment(name: name) }
            throw error
        }
        let indexPath = ArchiveSegment.indexPath(for: dataPath)
        var index: ArchiveFile?
        do { index = try ArchiveFile(path: indexPath, writable: isWritable, create: false) } catch {
            guard case .io(_, _, let code) = error, code == ENOENT else { throw error }
        }
        let segment = ArchiveSegment(number: listed.number, data: data, index: index)
        let size = try data.size()
        var indexIsStale = false
        switch try segment.readIndex() {
        case .success(let entries): segment.entries = entries
        case .failure(let problem):
            // The index is derived data: rebuild it from the records themselves, unless the records it names
            // are not all there, which is data lost, not an index damaged.
            let walked = try segment.walkRecords(from: 0, firstBlock: listed.firstBlock, segmentSize: size, verifyChecksums: isLast)
            let named = max(problem.entryCount, listed.lastBlock.map { Int($0 - listed.firstBlock) + 1 } ?? 0)
            guard walked.entries.count >= named else {
                throw ArchiveError.truncated(segment: name, block: listed.firstBlock + UInt64(walked.entries.count), offset: walked.end)
            }
            segment.entries = walked.entries
            notes.append("index of \(name) \(problem.reason): rebuilt from the segment")
            indexIsStale = true
        }
        if let first = segment.entries.first, first.block != listed.firstBlock {
            throw ArchiveError.manifest(
                path: path(ArchiveManifest.fileName),
                reason: "segment \(name) starts at block \(first.block) where the manifest says block \(listed.firstBlock) (swapped or replaced?)")
        }
        // An indexed record was synced before its index entry was written: if it is not whole, data was lost.
        // A writer refuses to go on; a reader keeps the index as it is, so that the blocks before the damage
        // can still be read and reading the damaged one reports it with its offset.
        if let first = segment.entries.first,
            case .success(let header) = RecordFraming.decodeHeader(try data.read(at: first.offset, count: RecordFraming.headerSize)),
            header.block != listed.firstBlock
        {
            throw ArchiveError.manifest(
                path: path(ArchiveManifest.fileName),
                reason: "segment \(name) holds block \(header.block) where the manifest says block \(listed.firstBlock) (swapped or replaced?)")
        }
        if let last = segment.entries.last {
            do { segment.end = try segment.recordEnd(of: last, segmentSize: size) } catch {
                guard !isWritable else {
                    // Name the first block lost, not the last.
                    let lost = segment.entries.last { (try? segment.recordEnd(of: $0, segmentSize: size)) == nil && $0.offset < size } ?? last
                    let firstLost = segment.entries.first { $0.offset >= lost.offset || (try? segment.recordEnd(of: $0, segmentSize: size)) == nil } ?? lost
                    throw ArchiveError.truncated(segment: name, block: firstLost.block, offset: firstLost.offset)
                }
                segment.end = last.offset
                return segment
            }
        }
        let nextBlock = segment.entries.last.map { $0.block + 1 } ?? listed.firstBlock
        if let lastBlock = listed.lastBlock {
            guard nextBlock > lastBlock else {
                throw ArchiveError.truncated(segment: name, block: nextBlock, offset: segment.end)
            }
            if segment.end < size {
                throw ArchiveError.trailingData(segment: name, afterBlock: lastBlock, offset: segment.end, count: size - segment.end)
            }
        } else {
            // Complete records after the last index entry: a crash came between a record's sync and its entry's.
            let found = try segment.walkRecords(from: segment.end, firstBlock: nextBlock, segmentSize: size, verifyChecksums: true)
            if let first = found.entries.first, let last = found.entries.last {
                segment.entries += found.entries
                segment.end = found.end
                indexIsStale = true
                // For a reader this is an append in progress, nothing to report.
                if isWritable { notes.append("\(name): indexed blocks \(first.block)...\(last.block), found whole after the index's last entry") }
            }
            if segment.end < size {
                let count = size - segment.end
                let afterBlock = segment.entries.last?.block
                guard try segment.isTornRecord(at: segment.end, count: count, nextBlock: afterBlock.map { $0 + 1 } ?? listed.firstBlock) else {
                    throw ArchiveError.trailingData(segment: name, afterBlock: afterBlock, offset: segment.end, count: count)
                }
                if isWritable {
                    try data.truncate(to: segment.end)
                    try data.sync()
                    notes.append("\(name): cut back \(count) bytes of a torn record at byte offset \(segment.end)")
                } else {
                    notes.append("\(name): \(count) bytes of a torn record at byte offset \(segment.end) are ignored (a writer cuts them back)")
                }
            }
        }
        if indexIsStale && isWritable { try segment.rewriteIndex(path: indexPath) }
        return segment
    }

    // MARK: - Reading

    /// The first block in the archive, or nil when it is empty.
    public var firstBlock: UInt64? { lock.withLock { segments.first?.entries.first?.block } }

    /// The last block in the archive, or nil when it is empty.
    public var head: UInt64? { lock.withLock { segments.last(where: { !$0.entries.isEmpty })?.entries.last?.block } }

    /// The segment file and byte offset of block `number`'s record, or nil when it is not in the archive.
    public func location(of number: UInt64) -> (segment: String, offset: UInt64)? {
        locate(number).map { ($0.segment.name, $0.offset) }
    }

    /// The segment holding block `number` and its record's offset.
    private func locate(_ number: UInt64) -> (segment: ArchiveSegment, offset: UInt64)? {
        lock.withLock {
            for segment in segments {
                guard let first = segment.entries.first, let last = segment.entries.last else { continue }
                if number >= first.block && number <= last.block { return (segment, segment.entries[Int(number - first.block)].offset) }
            }
            return nil
        }
    }

    /// Reads and checks block `number`.
    /// - Throws: ``ArchiveError/blockNotFound(_:head:)``, ``ArchiveError/truncated(segment:block:offset:)``,
    ///   ``ArchiveError/corrupt(segment:block:offset:reason:)`` or ``ArchiveError/outOfOrder(segment:expected:found:offset:)``.
    ///   A transaction that `Transaction` cannot decode is reported as corrupt.
    /// - Parameters:
    ///   - number: the block's number.
    ///   - as: the chain's transaction type (`EncodedTransaction` reads any chain's blocks).
    public func read<Transaction: ChainTransaction>(
        _ number: UInt64, as _: Transaction.Type
    ) throws(ArchiveError) -> ArchivedBlock<Transaction> {
        let located = locate(number)
        guard let (segment, offset) = located else { throw ArchiveError.blockNotFound(number, head: head) }
        return try readRecord(segment, at: offset, block: number, size: try segment.data.size())
    }

    /// Reads and checks the header and change set of block `number`, without decompressing or decoding its
    /// transactions, receipts and access sets: what apply mode needs. The whole record's checksum is still
    /// verified.
    /// - Throws: as ``read(_:as:)``.
    public func readChanges(_ number: UInt64) throws(ArchiveError) -> ArchivedChanges {
        guard let (segment, offset) = locate(number) else { throw ArchiveError.blockNotFound(number, head: head) }
        return try readRecord(segment, at: offset, block: number, size: try segment.data.size()) { (frames, header) throws in
            // A version 3 or 4 record starts with a frame of its own holding the version, the header and the change
            // set; a version 2 record is one frame.
            try ArchivedChanges(encodedPrefix: try Zstd.decompressFirstFrame(frames, limit: header.contentLength))
        }
    }

    private func readRecord<Transaction: ChainTransaction>(
        _ segment: ArchiveSegment, at offset: UInt64, block: UInt64, size: UInt64
    ) throws(ArchiveError) -> ArchivedBlock<Transaction> {
        try readRecord(segment, at: offset, block: block, size: size) { (frames, header) throws in
            try ArchivedBlock<Transaction>(encoded: try Zstd.decompress(frames, size: header.contentLength))
        }
    }

    /// Reads the record of `block` at `offset`, checks its header and checksum, and decodes its frames with
    /// `decode`; any failure to decode is reported as corruption at that record.
    private func readRecord<Decoded>(
        _ segment: ArchiveSegment, at offset: UInt64, block: UInt64, size: UInt64,
        decode: ([UInt8], RecordFraming.Header) throws -> Decoded
    ) throws(ArchiveError) -> Decoded where Decoded: NumberedRecord {
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
        let frames = try segment.data.read(at: frameOffset, count: header.frameLength)
        guard Hash32.sha256(frames) == header.checksum else {
            throw ArchiveError.corrupt(segment: segment.name, block: block, offset: offset, reason: "checksum mismatch")
        }
        let decoded: Decoded
        do { decoded = try decode(frames, header) } catch {
            throw ArchiveError.corrupt(segment: segment.name, block: block, offset: offset, reason: "\(error)")
        }
        guard decoded.number == block else {
            throw ArchiveError.outOfOrder(segment: segment.name, expected: block, found: decoded.number, offset: offset)
        }
        return decoded
    }

    // MARK: - Appending

    /// Appends `block` durably: it must follow the head (block 0 or any first block in an empty archive).
    /// - Throws: ``ArchiveError/outOfOrder(segment:expected:found:offset:)`` for a block that does not follow the
    ///   head; ``ArchiveError/io(path:operation:errno:)`` when writing or syncing fails (a full disk): the
    ///   archive then still ends at the previous block.
    /// - Returns: the bytes the record added to the archive.
    @discardableResult
    public func append(_ block: ArchivedBlock<some ChainTransaction>) throws -> Int {
        // Two frames, so that apply mode can decompress the changes alone; `zstd -d` still decompresses the
        // record to the whole encoding.
        let parts = block.encodedParts
        return try appendRecord(block.number, parts: [parts.changes, parts.body])
    }

    /// Appends a record for block `number` whose content is `parts`, each compressed as a zstd frame of its
    /// own: what ``append(_:)`` does, and how tests write records of earlier formats. Returns the record's size.
    @discardableResult
    package func appendRecord(_ number: UInt64, parts: [[UInt8]]) throws -> Int {
        precondition(isWritable, "append on an archive opened read-only")
        let frame = try parts.flatMap { part throws(ZstdError) in try Zstd.compress(part) }
        let header = RecordFraming.Header(
            block: number, frameLength: frame.count, contentLength: parts.reduce(0) { $0 + $1.count }, checksum: Hash32.sha256(frame))
        lock.lock()
        defer { lock.unlock() }
        do {
            if let head = segments.last(where: { !$0.entries.isEmpty })?.entries.last?.block, number != head + 1 {
                throw ArchiveError.outOfOrder(
                    segment: segments.last!.name, expected: head + 1, found: number, offset: segments.last!.end)
            }
            if segments.isEmpty || (segments.last!.end > 0 && segments.last!.end + UInt64(frame.count) > segmentSizeLimit) {
                try startSegment(firstBlock: number)
            } else if segments.allSatisfy({ $0.entries.isEmpty }), manifest.segments.last?.firstBlock != number {
                // An archive that holds no block yet may start at any block.
                manifest.segments[manifest.segments.count - 1].firstBlock = number
                try manifest.write(directory: directory)
            }
            let segment = segments.last!
            let offset = segment.end
            try segment.data.write(RecordFraming.encodeHeader(header) + frame, at: offset)
            try segment.data.sync()
            let entry = ArchiveSegment.indexBytes([(number, offset)])
            try segment.index!.write(entry, at: UInt64(segment.entries.count * ArchiveSegment.indexEntrySize))
            try segment.index!.sync()
            segment.entries.append((number, offset))
            segment.end = offset + UInt64(RecordFraming.headerSize + frame.count)
        }
        return RecordFraming.headerSize + frame.count
    }

    /// Starts the next segment with `firstBlock`: its files first (an empty one left by a crash is reused),
    /// then the manifest, which seals the previous segment at its last block.
    private func startSegment(firstBlock: UInt64) throws(ArchiveError) {
        let number = (segments.last?.number ?? 0) + 1
        let dataPath = path(Self.segmentName(number))
        let data = try ArchiveFile(path: dataPath, writable: true, create: true)
        let index = try ArchiveFile(path: ArchiveSegment.indexPath(for: dataPath), writable: true, create: true)
        guard try data.size() == 0 else {
            throw ArchiveError.trailingData(segment: Self.segmentName(number), afterBlock: nil, offset: 0, count: try data.size())
        }
        try index.truncate(to: 0)
        do { try syncDirectory(directory) } catch { throw ArchiveError(error) }
        var updated = manifest
        if let previous = segments.last, let last = previous.entries.last {
            updated.segments[updated.segments.count - 1].lastBlock = last.block
        }
        updated.segments.append(ArchiveManifest.Entry(number: number, firstBlock: firstBlock))
        try updated.write(directory: directory)
        manifest = updated
        segments.append(ArchiveSegment(number: number, data: data, index: index))
    }

    // MARK: - Cutting back

    /// Removes every block after `block`, for a store unwound to `block` whose archive must not bring the
    /// undone blocks back. Merged range files that reach past `block` are removed too.
    ///
    /// The cut is first recorded in the manifest, so that a crash in the middle leaves an archive that the
    /// next writer finishes cutting and that readers refuse meanwhile.
    /// - Throws: ``ArchiveError/blockNotFound(_:head:)`` when `block` is not in the archive; I/O errors.
    public func cut(after block: UInt64) throws {
        precondition(isWritable, "cut on an archive opened read-only")
        lock.lock()
        defer { lock.unlock() }
        let head = segments.last(where: { !$0.entries.isEmpty })?.entries.last?.block
        guard let first = segments.first?.entries.first?.block, let head, block >= first else {
            throw ArchiveError.blockNotFound(block, head: head)
        }
        guard block < head else { return }
        var updated = manifest
        updated.cutAfter = block
        try updated.write(directory: directory)
        try finishCut(&updated, after: block)
        manifest = updated
        var notes: [String] = []
        segments = try updated.segments.map { entry throws(ArchiveError) in
            try openSegment(entry, isLast: entry.number == updated.segments.count, notes: &notes)
        }
    }

    /// Carries out a cut recorded in `manifest`: removes the segments wholly after `block`, cuts the one
    /// holding it (index first, so that no entry ever points past the data), then records the result.
    private func finishCut(_ manifest: inout ArchiveManifest, after block: UInt64) throws(ArchiveError) {
        func remove(_ path: String) throws(ArchiveError) {
            if unlink(path) != 0 && errno != ENOENT { throw ArchiveError.io(path: path, operation: "remove", errno: errno) }
        }
        while let last = manifest.segments.last, last.firstBlock > block {
            let dataPath = path(Self.segmentName(last.number))
            try remove(ArchiveSegment.indexPath(for: dataPath))
            try remove(dataPath)
            manifest.segments.removeLast()
        }
        if let last = manifest.segments.last {
            let dataPath = path(Self.segmentName(last.number))
            let data = try ArchiveFile(path: dataPath, writable: true, create: false)
            let segment = ArchiveSegment(number: last.number, data: data, index: nil)
            let size = try data.size()
            var entries: [(block: UInt64, offset: UInt64)]
            segment.index = try? ArchiveFile(path: ArchiveSegment.indexPath(for: dataPath), writable: true, create: false)
            switch try segment.readIndex() {
            case .success(let indexed): entries = indexed
            case .failure: entries = try segment.walkRecords(from: 0, firstBlock: last.firstBlock, segmentSize: size, verifyChecksums: false).entries
            }
            if let firstRemoved = entries.firstIndex(where: { $0.block > block }) {
                let offset = entries[firstRemoved].offset
                segment.entries = Array(entries[..<firstRemoved])
                try segment.rewriteIndex(path: ArchiveSegment.indexPath(for: dataPath))
                try data.truncate(to: offset)
                try data.sync()
            }
            manifest.segments[manifest.segments.count - 1].lastBlock = nil
        }
        for range in mergedRanges() where range.upperBound > block {
            try remove(rangePath(range.lowerBound, range.upperBound))
        }
        manifest.cutAfter = nil
        try manifest.write(directory: directory)
    }

    /// A record's transaction count, from its block header alone: the checksum is verified, but only the
    /// start of the frame is decompressed.
    private func transactionCount(_ segment: ArchiveSegment, at offset: UInt64, header: RecordFraming.Header, block: UInt64) throws -> UInt32 {
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
    /// - Throws: as ``read(_:as:)``.
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

/// A decoded record that names its block, so that the reader can check it is the one the index promised.
protocol NumberedRecord {
    var number: UInt64 { get }
}

extension ArchivedBlock: NumberedRecord {}
extension ArchivedChanges: NumberedRecord {}
