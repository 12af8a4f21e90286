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
