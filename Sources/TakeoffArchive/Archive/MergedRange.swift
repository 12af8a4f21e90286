import Foundation
import TakeoffCore
import TakeoffIO

extension MergedRange {
    static let formatVersion: UInt8 = 1
    static let magic = Array("TKRANGE".utf8)

    /// The file contents: zstd of (magic, version, header count, headers, transaction count, change set),
    /// followed inside the frame by the SHA-256 of all that.
    func fileBytes() throws -> [UInt8] {
        var writer = ByteWriter(capacity: 256 + headers.count * 200 + changeSet.count * 100)
        writer.write(raw: Self.magic)
        writer.write(Self.formatVersion)
        writer.write(UInt32(headers.count))
        for header in headers { header.encode(to: &writer) }
        writer.write(UInt64(transactions))
        changeSet.encode(to: &writer)
        writer.write(Hash32.sha256(writer.bytes))
        return try Zstd.compress(writer.bytes)
    }

    /// Reads a range file, checking its checksum.
    init(fileBytes: [UInt8], path: String) throws {
        let bytes: [UInt8]
        do { bytes = try Zstd.decompress(fileBytes) } catch {
            throw ArchiveError.corrupt(segment: path, block: 0, offset: 0, reason: "\(error)")
        }
        guard bytes.count > 32, Hash32.sha256(bytes[..<(bytes.count - 32)]) == (try? Hash32(bytes: bytes.suffix(32))) else {
            throw ArchiveError.corrupt(segment: path, block: 0, offset: 0, reason: "checksum mismatch")
        }
        do throws(CodecError) {
            var reader = ByteReader(Array(bytes[..<(bytes.count - 32)]))
            guard try reader.readBytes(count: Self.magic.count, "range magic") == Self.magic,
                try reader.readUInt8("range version") == Self.formatVersion
            else { throw CodecError.invalidValue(what: "merged range", reason: "not a Takeoff range file of this version") }
            let count = try reader.readCount("headers", minimumElementSize: 100)
            guard count > 0 else { throw CodecError.invalidValue(what: "merged range", reason: "no headers") }
            var headers: [BlockHeader] = []
            for _ in 0..<count { headers.append(try BlockHeader.decode(from: &reader)) }
            let transactions = Int(try reader.readUInt64("transaction count"))
            let changeSet = try ChangeSet.decode(from: &reader)
            try reader.expectEnd(of: "merged range")
            self.init(headers: headers, changeSet: changeSet, transactions: transactions)
        } catch {
            throw ArchiveError.corrupt(segment: path, block: 0, offset: 0, reason: "\(error)")
        }
    }
}

extension BlockArchive {
    private var rangesDirectory: String { (directory as NSString).appendingPathComponent("ranges") }

    func rangePath(_ first: UInt64, _ last: UInt64) -> String {
        (rangesDirectory as NSString).appendingPathComponent("range-\(first)-\(last).tkr")
    }

    /// Merges every complete run of `rangeSize` blocks after genesis that has no range file yet, and writes
    /// the range files (synced, renamed into place).
    /// - Parameters:
    ///   - rangeSize: blocks per merged range.
    ///   - progress: called after each range written, with the last block it covers and the ranges written
    ///     so far.
    /// - Returns: the ranges written.
    /// - Throws: ``ArchiveError`` for unreadable blocks or files that cannot be written.
    @discardableResult
    public func compact(
        rangeSize: Int, progress: (_ throughBlock: UInt64, _ written: [ClosedRange<UInt64>]) -> Void = { _, _ in }
    ) throws -> [ClosedRange<UInt64>] {
        guard rangeSize >= 1, let head else { return [] }
        do { try createDirectories(rangesDirectory) } catch { throw ArchiveError(error) }
        let existing = Set(mergedRanges())
        var written: [ClosedRange<UInt64>] = []
        var first = max(firstBlock ?? 1, 1)
        while first + UInt64(rangeSize) - 1 <= head {
            let range = first...(first + UInt64(rangeSize) - 1)
            first = range.upperBound + 1
            if existing.contains(range) { continue }
            let merged = MergedRange(try range.map { try readChanges($0) })
            let path = rangePath(range.lowerBound, range.upperBound)
            do { try AtomicFileWriter.write(try merged.fileBytes(), to: path) } catch let error as FileError {
                throw ArchiveError(error)
            }
            written.append(range)
            progress(range.upperBound, written)
        }
        return written
    }

    /// The block ranges that have a merged range file.
    public func mergedRanges() -> [ClosedRange<UInt64>] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: rangesDirectory)) ?? []
        return names.compactMap { name -> ClosedRange<UInt64>? in
            guard name.hasPrefix("range-"), name.hasSuffix(".tkr") else { return nil }
            let bounds = name.dropFirst("range-".count).dropLast(".tkr".count).split(separator: "-").compactMap { UInt64($0) }
            guard bounds.count == 2, bounds[0] <= bounds[1] else { return nil }
            return bounds[0]...bounds[1]
        }.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// Reads the merged range `range`, checking its checksum and that it covers exactly those blocks.
    /// - Throws: ``ArchiveError/corrupt(segment:block:offset:reason:)`` naming the range file.
    public func readMergedRange(_ range: ClosedRange<UInt64>) throws -> MergedRange {
        let path = rangePath(range.lowerBound, range.upperBound)
        let file = try ArchiveFile(path: path, writable: false, create: false)
        let merged = try MergedRange(fileBytes: try file.read(at: 0, count: Int(try file.size())), path: path)
        guard merged.firstBlock == range.lowerBound, merged.lastBlock == range.upperBound,
            merged.headers.count == range.count
        else { throw ArchiveError.corrupt(segment: path, block: range.lowerBound, offset: 0, reason: "the headers do not cover the range") }
        return merged
    }
}

extension MergedRange {
    /// Writes the range to a file of its own at `path` (synced, renamed into place), in the format of the
    /// archive's range files: what a range task hands the task that combines or applies it.
    /// - Throws: ``ArchiveError/io(path:operation:errno:)`` when the file cannot be written; `path` is then
    ///   unchanged.
    public func write(to path: String) throws {
        do { try AtomicFileWriter.write(try fileBytes(), to: path) } catch let error as FileError { throw ArchiveError(error) }
    }

    /// Reads a range file written by ``write(to:)`` (or by `compact`), checking its checksum and that its headers
    /// follow each other.
    /// - Throws: ``ArchiveError/corrupt(segment:block:offset:reason:)`` naming the file, or
    ///   ``ArchiveError/io(path:operation:errno:)``.
    public init(contentsOf path: String) throws {
        let file = try ArchiveFile(path: path, writable: false, create: false)
        try self.init(fileBytes: try file.read(at: 0, count: Int(try file.size())), path: path)
        for (earlier, later) in zip(headers, headers.dropFirst()) where later.parentHash != earlier.hash || later.number != earlier.number + 1 {
            throw ArchiveError.corrupt(segment: path, block: later.number, offset: 0, reason: "its headers do not follow each other at block \(later.number)")
        }
    }
}

extension BlockArchive {
    /// Merges the change sets of blocks `blocks` into one range, reading `batch` blocks at a time so that memory
    /// holds the merged changes and one batch, whatever the range's length. Each block is checked as apply mode
    /// checks it before committing: its parent is the block before it and its change set is the one its header
    /// names; the commitment after the range is checked by whoever applies it (it needs the state before).
    /// - Parameters:
    ///   - blocks: the blocks to merge; block 0 (the genesis state) is not a change set and cannot be one of them.
    ///   - progress: called after each batch with the last block merged.
    /// - Throws: ``ArchiveError`` for unreadable blocks, ``ReplayError`` for a block that does not follow the one
    ///   before it or whose change set is not its header's.
    public func mergeChanges(
        of blocks: ClosedRange<UInt64>, batch: Int = 64, progress: (_ throughBlock: UInt64) -> Void = { _ in }
    ) throws -> MergedRange {
        precondition(blocks.lowerBound >= 1, "block 0 is the genesis state, not a change set")
        precondition(batch >= 1, "a batch holds at least one block")
        var merged: MergedRange?
        var first = blocks.lowerBound
        while first <= blocks.upperBound {
            let last = min(blocks.upperBound, first + UInt64(batch) - 1)
            var read: [ArchivedChanges] = []
            read.reserveCapacity(Int(last - first + 1))
            for number in first...last {
                let block = try readChanges(number)
                if let parent = read.last?.header ?? merged?.headers.last {
                    try ReplayError.checkLink(block.header, parentHash: parent.hash)
                }
                try ReplayError.checkDigest(of: block.changeSet, against: block.header)
                read.append(block)
            }
            // One range per block, so that each block's changes are checked against the block before it too.
            let part = try MergedRange.combining(read.map { MergedRange([$0]) })
            merged = try merged.map { try MergedRange.combining([$0, part]) } ?? part
            progress(last)
            if last == blocks.upperBound { break }
            first = last + 1
        }
        return merged!
    }
}
