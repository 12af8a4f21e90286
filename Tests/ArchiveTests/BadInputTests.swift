import Foundation
import Testing
import Takeoff
@testable import TakeoffIO

/// Damaged archives and snapshots: each gives a typed error naming where, and leaves the store at the last
/// good block.
@Suite struct BadInputTests {
    static func write(_ bytes: [UInt8], to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
    static func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test(arguments: [ReplayMode.execute, .apply])
    func aTruncatedSegment(mode: ReplayMode) throws {
        let fixture = try ArchiveFixture(blocks: 6)
        let cut = try fixture.offset(of: 5) + 100
        try Self.write(Array(try Self.read(fixture.segmentPath(1)).prefix(Int(cut))), to: fixture.segmentPath(1))
        let path = try fixture.freshStorePath("truncated")
        #expect {
            try fixture.replay(into: path, mode: mode)
        } throws: { error in
            guard case .truncated(let segment, let block, let offset)? = error as? ArchiveError else { return false }
            return segment == "segment-00000001.tko" && block == 5 && offset == (try? fixture.offset(of: 5))
        }
        #expect(try fixture.head(of: path)?.block == 4)
        #expect(try fixture.head(of: path)?.blockHash == fixture.headers[4].hash)
    }

    @Test(arguments: [ReplayMode.execute, .apply])
    func flippedBytesInsideAFrame(mode: ReplayMode) throws {
        let fixture = try ArchiveFixture(blocks: 6)
        var bytes = try Self.read(fixture.segmentPath(1))
        let offset = try fixture.offset(of: 3)
        bytes[Int(offset) + 64 + 40] ^= 0x5A
        try Self.write(bytes, to: fixture.segmentPath(1))
        let path = try fixture.freshStorePath("flipped")
        #expect {
            try fixture.replay(into: path, mode: mode)
        } throws: { error in
            guard case .corrupt(let segment, let block, let at, let reason)? = error as? ArchiveError else { return false }
            return segment == "segment-00000001.tko" && block == 3 && at == offset && reason.contains("checksum")
        }
        #expect(try fixture.head(of: path)?.block == 2)
    }

    @Test func aMissingSegment() throws {
        let fixture = try ArchiveFixture(blocks: 8, segmentSizeLimit: 4_000)
        #expect(FileManager.default.fileExists(atPath: fixture.segmentPath(3)))
        try FileManager.default.removeItem(atPath: fixture.segmentPath(2))
        #expect(throws: ArchiveError.missingSegment(name: "segment-00000002.tko")) { try fixture.openArchive() }
    }

    @Test func aDamagedIndexIsRebuiltFromTheSegment() throws {
        let fixture = try ArchiveFixture(blocks: 6)
        // Swap the index entries of blocks 3 and 4: offsets no longer increase.
        let indexPath = fixture.segmentPath(1).replacingOccurrences(of: ".tko", with: ".idx")
        var index = try Self.read(indexPath)
        let third = Array(index[(3 * 16 + 8)..<(3 * 16 + 16)])
        index.replaceSubrange((3 * 16 + 8)..<(3 * 16 + 16), with: index[(4 * 16 + 8)..<(4 * 16 + 16)])
        index.replaceSubrange((4 * 16 + 8)..<(4 * 16 + 16), with: third)
        try Self.write(index, to: indexPath)
        let reader = try fixture.openArchive()
        #expect(reader.recoveryNote?.contains("index of segment-00000001.tko entry 4 (block 4) goes back") == true)
        #expect(try reader.read(3, as: BuiltinTransaction.self).header == fixture.headers[3])
        #expect(try reader.read(4, as: BuiltinTransaction.self).header == fixture.headers[4])
        // A reader changes nothing on disk; a writer rewrites the index.
        #expect(try Self.read(indexPath) == index)
        _ = try BlockArchive(directory: fixture.archivePath, writable: true)
        #expect(try Self.read(indexPath) != index)
        #expect(try fixture.openArchive().recoveryNote == nil)
    }

    @Test func aDeletedIndexIsRebuiltByReadersAndWriters() throws {
        let fixture = try ArchiveFixture(blocks: 4)
        let indexPath = fixture.segmentPath(1).replacingOccurrences(of: ".tko", with: ".idx")
        try FileManager.default.removeItem(atPath: indexPath)
        let reader = try fixture.openArchive()
        #expect(reader.head == 4)
        #expect(reader.recoveryNote?.contains("is missing: rebuilt from the segment") == true)
        #expect(!FileManager.default.fileExists(atPath: indexPath))
        _ = try BlockArchive(directory: fixture.archivePath, writable: true)
        #expect(FileManager.default.fileExists(atPath: indexPath))
        #expect(try fixture.offset(of: 4) > 0)
    }

    @Test(arguments: [ReplayMode.execute, .apply])
    func aWrongCommitment(mode: ReplayMode) throws {
        let fixture = try ArchiveFixture(blocks: 4)
        // Re-archive block 4 with a forged commitment, as a buggy or hostile writer would.
        let archive = try fixture.openArchive()
        var forged = try archive.read(4, as: BuiltinTransaction.self)
        forged.header.stateCommitment = Hash32(w0: 1, w1: 2, w2: 3, w3: 4)
        let copy = fixture.root + "/forged"
        let rewritten = try BlockArchive(directory: copy, writable: true)
        for number in UInt64(0)...3 { try rewritten.append(try archive.read(number, as: BuiltinTransaction.self)) }
        try rewritten.append(forged)
        let path = try fixture.freshStorePath("forged-db")
        let store = try LMDBStateStore(directory: path)
        #expect {
            try Replayer(archive: try BlockArchive(directory: copy, writable: false), store: store, mode: mode, logic: BuiltinTransactionLogic(), window: 4).run()
        } throws: { error in
            guard case .commitmentMismatch(let block, let archived, let computed)? = error as? ReplayError else { return false }
            return block == 4 && archived == forged.header.stateCommitment && computed == fixture.headers[4].stateCommitment
        }
        #expect(try store.head()?.block == 3)
    }

    @Test func aBrokenHashChain() throws {
        let fixture = try ArchiveFixture(blocks: 3)
        let archive = try fixture.openArchive()
        let copy = fixture.root + "/unchained"
        let rewritten = try BlockArchive(directory: copy, writable: true)
        for number in UInt64(0)...1 { try rewritten.append(try archive.read(number, as: BuiltinTransaction.self)) }
        var block = try archive.read(2, as: BuiltinTransaction.self)
        block.header.parentHash = .zero
        try rewritten.append(block)
        let store = try LMDBStateStore(directory: try fixture.freshStorePath("unchained-db"))
        #expect(throws: ReplayError.self) {
            try Replayer(archive: try BlockArchive(directory: copy, writable: false), store: store, mode: .apply, logic: BuiltinTransactionLogic()).run()
        }
        #expect(try store.head()?.block == 1)
    }

    /// The first `count` bytes of what appending block 4 after block 3 would write: block 3's record with the
    /// block number in its header changed to 4.
    static func tornRecord(_ fixture: ArchiveFixture, count: Int) throws -> [UInt8] {
        let good = try read(fixture.segmentPath(1))
        var record = Array(good[Int(try fixture.offset(of: 3))...])
        record[16 + 7] = 4  // the record header's block number, big-endian, after 8 bytes of zstd framing and 8 of magic
        return Array(record.prefix(count))
    }

    @Test(arguments: [10, 64, 90, 300])
    func aTornLastRecordIsCutBackByTheWriter(length: Int) throws {
        let fixture = try ArchiveFixture(blocks: 3)
        let segment = fixture.segmentPath(1)
        let good = try Self.read(segment)
        // A crash while appending block 4: part of its record after the last good one.
        try Self.write(good + (try Self.tornRecord(fixture, count: length)), to: segment)
        // A reader reads what is whole and changes nothing.
        #expect(try fixture.openArchive().head == 3)
        #expect(try Self.read(segment).count == good.count + length)
        let writer = try BlockArchive(directory: fixture.archivePath, writable: true)
        #expect(writer.recoveryNote?.contains("cut back \(length) bytes of a torn record at byte offset \(good.count)") == true)
        #expect(writer.head == 3)
        #expect(try Self.read(segment).count == good.count)
        // The archive still replays, and accepts the next block.
        let path = try fixture.freshStorePath("after-tear")
        #expect(try fixture.replay(into: path, mode: .apply).toBlock == 3)
        #expect(throws: ArchiveError.self) { try writer.append(try writer.read(2, as: BuiltinTransaction.self)) }
    }

    @Test(arguments: [0, 10, 64, 5_000])
    func aSegmentCutUnderItsIndexIsCorruptionNotATornTail(size: Int) throws {
        let fixture = try ArchiveFixture(blocks: 6)
        let segment = fixture.segmentPath(1)
        try Self.write(Array(try Self.read(segment).prefix(size)), to: segment)
        #expect {
            try BlockArchive(directory: fixture.archivePath, writable: true)
        } throws: { error in
            guard case .truncated(let name, _, _)? = error as? ArchiveError else { return false }
            return name == "segment-00000001.tko"
        }
        // Nothing was cut: the writer refused before touching the files.
        #expect(try Self.read(segment).count == size)
        #expect(try Self.read(segment.replacingOccurrences(of: ".tko", with: ".idx")).count == 7 * 16)
    }

    @Test func bytesNoAppendWroteAreReportedAndKept() throws {
        let fixture = try ArchiveFixture(blocks: 3)
        let segment = fixture.segmentPath(1)
        let good = try Self.read(segment)
        try Self.write(good + Array("not a record, appended by hand\n".utf8), to: segment)
        for writable in [false, true] {
            #expect {
                try BlockArchive(directory: fixture.archivePath, writable: writable)
            } throws: { error in
                guard case .trailingData(let name, let block, let offset, let count)? = error as? ArchiveError else { return false }
                return name == "segment-00000001.tko" && block == 3 && offset == UInt64(good.count) && count == 31
            }
        }
        #expect(try Self.read(segment).count == good.count + 31)
    }

    @Test func aMissingOrEmptiedLastSegmentIsReportedNotRepaired() throws {
        let fixture = try ArchiveFixture(blocks: 8, segmentSizeLimit: 4_000)
        let manifest = try String(contentsOfFile: fixture.archivePath + "/manifest", encoding: .utf8)
        let last = manifest.split(separator: "\n").filter { $0.hasPrefix("segment ") }.count
        #expect(last >= 3)
        let backup = try Self.read(fixture.segmentPath(last))
        try FileManager.default.removeItem(atPath: fixture.segmentPath(last))
        for writable in [false, true] {
            #expect(throws: ArchiveError.missingSegment(name: URL(fileURLWithPath: fixture.segmentPath(last)).lastPathComponent)) {
                try BlockArchive(directory: fixture.archivePath, writable: writable)
            }
        }
        // Emptied instead of deleted: its index still names its blocks.
        try Self.write([], to: fixture.segmentPath(last))
        #expect(throws: ArchiveError.self) { try BlockArchive(directory: fixture.archivePath, writable: true) }
        try Self.write(backup, to: fixture.segmentPath(last))
        #expect(try fixture.openArchive().head == 8)
    }

    @Test func swappedSegmentsAndUnlistedSegmentsAreReported() throws {
        let fixture = try ArchiveFixture(blocks: 8, segmentSizeLimit: 4_000)
        let first = try Self.read(fixture.segmentPath(1))
        let second = try Self.read(fixture.segmentPath(2))
        try Self.write(second, to: fixture.segmentPath(1))
        try Self.write(first, to: fixture.segmentPath(2))
        #expect(throws: ArchiveError.self) { try fixture.openArchive() }
        try Self.write(first, to: fixture.segmentPath(1))
        try Self.write(second, to: fixture.segmentPath(2))
        #expect(try fixture.openArchive().head == 8)
        // A segment file the manifest does not list, with data in it.
        try Self.write(first, to: fixture.archivePath + "/segment-00000099.tko")
        #expect {
            try fixture.openArchive()
        } throws: { error in
            guard case .manifest(_, let reason)? = error as? ArchiveError else { return false }
            return reason.contains("segment-00000099.tko")
        }
    }

    @Test func aDeletedManifestIsReported() throws {
        let fixture = try ArchiveFixture(blocks: 2)
        try FileManager.default.removeItem(atPath: fixture.archivePath + "/manifest")
        for writable in [false, true] {
            #expect {
                try BlockArchive(directory: fixture.archivePath, writable: writable)
            } throws: { error in
                guard case .manifest(_, let reason)? = error as? ArchiveError else { return false }
                return reason.contains("missing")
            }
        }
    }

    @Test func aSecondWriterIsRefusedAndReadersAreNot() throws {
        let fixture = try ArchiveFixture(blocks: 2)
        let writer = try BlockArchive(directory: fixture.archivePath, writable: true)
        #expect {
            try BlockArchive(directory: fixture.archivePath, writable: true)
        } throws: { error in
            guard case .locked(let locked)? = error as? ArchiveError else { return false }
            return locked.holder.contains("pid \(getpid())")
        }
        #expect(try fixture.openArchive().head == 2)
        _ = writer
        let store = try LMDBStateStore(directory: fixture.storePath)
        #expect(throws: StateStoreError.self) { try LMDBStateStore(directory: fixture.storePath) }
        #expect(try LMDBStateStore(directory: fixture.storePath, readOnly: true).head()?.block == 2)
        _ = store
    }

    @Test func cuttingTheArchiveBackRemovesLaterBlocksAndRanges() throws {
        let fixture = try ArchiveFixture(blocks: 8, segmentSizeLimit: 4_000)
        var writer: BlockArchive? = try BlockArchive(directory: fixture.archivePath, writable: true)
        try check(writer!)
        writer = nil
        let reopened = try BlockArchive(directory: fixture.archivePath, writable: true)
        #expect(reopened.head == 3 && reopened.recoveryNote == nil)

        func check(_ writer: BlockArchive) throws {
        try writer.compact(rangeSize: 2)
        #expect(writer.mergedRanges().count == 4)
        try writer.cut(after: 3)
        #expect(writer.head == 3)
        #expect(writer.mergedRanges() == [1...2])
        #expect(throws: ArchiveError.self) { try writer.read(4, as: BuiltinTransaction.self) }
        #expect(try writer.read(3, as: BuiltinTransaction.self).header == fixture.headers[3])
        }
    }

    @Test func aSnapshotWithABadChecksum() throws {
        let fixture = try ArchiveFixture(blocks: 2)
        let file = fixture.root + "/state.snapshot"
        try SnapshotFile.export(from: try LMDBStateStore(directory: fixture.storePath), to: file)
        let original = try Zstd.decompress(try Self.read(file))
        // A flipped checksum byte: every entry reads well, and the checksum alone says no.
        var payload = original
        payload[payload.count - 5] ^= 1
        try Self.write(try Zstd.compress(payload), to: file)
        let path = try fixture.freshStorePath("snap")
        #expect(throws: SnapshotError.checksumMismatch(path: file)) {
            try SnapshotFile.importSnapshot(from: file, into: try LMDBStateStore(directory: path))
        }
        #expect(try fixture.head(of: path) == nil)
        // A flipped byte among the entries is found by whichever check meets it first (here the key order or
        // the checksum); either way the store gets no head.
        payload = original
        payload[payload.count / 2] ^= 1
        try Self.write(try Zstd.compress(payload), to: file)
        #expect(throws: SnapshotError.self) { try SnapshotFile.importSnapshot(from: file, into: try LMDBStateStore(directory: path)) }
        #expect(try fixture.head(of: path) == nil)
        try Self.write(Array(try Self.read(file).prefix(50)), to: file)
        #expect(throws: SnapshotError.self) { try SnapshotFile.importSnapshot(from: file, into: try LMDBStateStore(directory: path)) }
    }

    @Test func archivedBlocksSurviveTheCodecAndZstdReadsSegments() throws {
        let fixture = try ArchiveFixture(blocks: 2)
        let archive = try fixture.openArchive()
        for number in UInt64(0)...2 {
            let block = try archive.read(number, as: BuiltinTransaction.self)
            #expect(try ArchivedBlock(encoded: block.encoded) == block)
            #expect(block.header == fixture.headers[Int(number)])
        }
        let accessSets = try archive.read(1, as: BuiltinTransaction.self).accessSets
        #expect(accessSets.count == 80, "\(accessSets.count)")
        let statistics = try archive.statistics()
        #expect(statistics.blocks == 3 && statistics.transactions == 160 && statistics.compressionRatio > 1)
        // The segment is plain zstd: skippable record headers, then one frame per block.
        let whole = try Zstd.decompress(try Self.read(fixture.segmentPath(1)))
        #expect(UInt64(whole.count) == statistics.uncompressedBytes)
    }
}
