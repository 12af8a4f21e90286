import Foundation
import Testing
import Takeoff
@testable import TakeoffIO

/// `verify`: a whole archive or store checked read-only; each kind of damage is named with its block and
/// byte offset (archive) or both commitments (store).
@Suite struct VerifyTests {
    static func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
    static func write(_ bytes: [UInt8], to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    @Test func aSoundArchiveVerifiesWithEveryCommitmentFromGenesis() throws {
        let fixture = try ArchiveFixture(blocks: 5)
        let report = try fixture.openArchive().verify()
        #expect(report.fromBlock == 0 && report.toBlock == 5 && report.blocks == 6)
        #expect(report.commitmentsChecked == 6)
        #expect(report.transactions == fixture.transactionCount)
        // A range that does not start at genesis still checks links and digests, not commitments.
        let partial = try fixture.openArchive().verify(from: 2, to: 4)
        #expect(partial.blocks == 3 && partial.commitmentsChecked == 0)
        #expect(throws: ArchiveError.self) { try fixture.openArchive().verify(from: 2, to: 9) }
    }

    @Test func everyFlippedByteOfARecordIsCaughtWithItsBlockAndOffset() throws {
        let fixture = try ArchiveFixture(blocks: 4)
        let segment = fixture.segmentPath(1)
        let good = try Self.read(segment)
        let offset = try fixture.offset(of: 2)
        let end = try fixture.offset(of: 3)
        // Every byte of block 2's record: header (framing) and frame (checksum).
        for position in stride(from: Int(offset), to: Int(end), by: max(1, Int(end - offset) / 97)) {
            var bytes = good
            bytes[position] ^= 0x40
            try Self.write(bytes, to: segment)
            #expect(performing: { try fixture.openArchive().verify() }, throws: { error in
                guard let error = error as? ArchiveError else { return false }
                switch error {
                case .corrupt(_, let block, let at, _), .truncated(_, let block, let at): return block == 2 && at == offset
                case .outOfOrder(_, _, _, let at): return at == offset
                default: return false
                }
            })
        }
        try Self.write(good, to: segment)
        #expect(try fixture.openArchive().verify().blocks == 5)
    }

    @Test func aForgedHeaderIsCaughtEvenWithAValidChecksum() throws {
        let fixture = try ArchiveFixture(blocks: 3)
        let archive = try fixture.openArchive()
        let copy = fixture.root + "/forged"
        let rewritten = try BlockArchive(directory: copy, writable: true)
        for number in UInt64(0)...1 { try rewritten.append(try archive.read(number, as: BuiltinTransaction.self)) }
        var forged = try archive.read(2, as: BuiltinTransaction.self)
        forged.header.stateCommitment = Hash32(w0: 9, w1: 9, w2: 9, w3: 9)
        try rewritten.append(forged)
        let offset = try #require(rewritten.location(of: 2)?.offset)
        #expect(performing: { try BlockArchive(directory: copy, writable: false).verify() }, throws: { error in
            guard case .corrupt(_, let block, let at, let reason)? = error as? ArchiveError else { return false }
            return block == 2 && at == offset && reason.contains("state commitment mismatch")
        })
    }

    @Test func truncatedMissingAndGarbledArchivesAreTypedErrors() throws {
        let fixture = try ArchiveFixture(blocks: 8, segmentSizeLimit: 4_000)
        let last = try String(contentsOfFile: fixture.archivePath + "/manifest", encoding: .utf8)
            .split(separator: "\n").filter { $0.hasPrefix("segment ") }.count
        let lastPath = fixture.segmentPath(last)
        let backup = try Self.read(lastPath)
        // Truncated under its index.
        try Self.write(Array(backup.prefix(backup.count - 10)), to: lastPath)
        #expect(performing: { try fixture.openArchive().verify() }, throws: { error in
            guard case .truncated(let name, _, _)? = error as? ArchiveError else { return false }
            return lastPath.hasSuffix(name)
        })
        // Garbage appended.
        try Self.write(backup + [1, 2, 3], to: lastPath)
        #expect(performing: { try fixture.openArchive().verify() }, throws: { error in
            guard case .trailingData(_, let block, let offset, _)? = error as? ArchiveError else { return false }
            return block == 8 && offset == UInt64(backup.count)
        })
        // Missing.
        try FileManager.default.removeItem(atPath: lastPath)
        #expect(throws: ArchiveError.missingSegment(name: URL(fileURLWithPath: lastPath).lastPathComponent)) { try fixture.openArchive().verify() }
        // A deleted index is rebuilt, and the archive verifies.
        try Self.write(backup, to: lastPath)
        try FileManager.default.removeItem(atPath: lastPath.replacingOccurrences(of: ".tko", with: ".idx"))
        #expect(try fixture.openArchive().verify().blocks == 9)
    }

    @Test func aStoreVerifiesAndATamperedValueIsCaught() throws {
        let fixture = try ArchiveFixture(blocks: 3)
        var store: LMDBStateStore? = try LMDBStateStore(directory: fixture.storePath, readOnly: true)
        let report = try store!.verify()
        #expect(report.headBlock == 3 && report.keys > 200 && report.historyEntries == 3)
        #expect(report.stateCommitment == fixture.headers[3].stateCommitment.hex)
        store = nil
        // Change one stored value behind the store's back.
        let writer = try LMDBStateStore(directory: fixture.storePath)
        let table = try writer.environment.table("state")
        try writer.environment.withWriteTransaction { transaction in
            var first: ([UInt8], [UInt8])?
            try transaction.forEach(in: table) { key, value in
                first = (Array(key), Array(value))
                return false
            }
            var value = first!.1
            value[value.count - 1] ^= 1
            try transaction.put(in: table, key: first!.0, value: value)
        }
        #expect(performing: { try writer.verify() }, throws: { error in
            guard case .commitmentMismatch(let block, let header, _)? = error as? StateStoreFault else { return false }
            return block == 3 && header == fixture.headers[3].stateCommitment
        })
    }
}

@Suite struct SnapshotTrustTests {
    /// A snapshot whose checksum is right but whose entries do not add up to the commitment it states (a
    /// forged or buggy source) is refused, and the store stays empty.
    @Test func aSnapshotIsNeverTrustedOnItsWord() throws {
        let fixture = try ArchiveFixture(blocks: 2)
        let file = fixture.root + "/state.snap"
        try SnapshotFile.export(from: try LMDBStateStore(directory: fixture.storePath, readOnly: true), to: file)
        var bytes = try Zstd.decompress([UInt8](try Data(contentsOf: URL(fileURLWithPath: file))))
        // Change the last byte of the last entry's value, then make the checksum right again.
        var body = Array(bytes.dropLast(32))
        body[body.count - 1] ^= 1
        bytes = body + Hash32.sha256(body).bytes
        try Data(try Zstd.compress(bytes)).write(to: URL(fileURLWithPath: file))
        let target = try fixture.freshStorePath("forged-snapshot")
        let store = try LMDBStateStore(directory: target)
        #expect(performing: { try SnapshotFile.importSnapshot(from: file, into: store) }, throws: { error in
            guard case .corrupt(_, let reason)? = error as? SnapshotError else { return false }
            return reason.contains("commitment") || reason.contains("value")
        })
        #expect(try store.head() == nil)
    }
}
