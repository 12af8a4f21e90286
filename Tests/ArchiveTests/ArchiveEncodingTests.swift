import Foundation
import Takeoff
@testable import TakeoffIO
import Testing

/// The compact archive encoding (version 3): it decodes to exactly what was encoded, it is smaller than
/// version 2, apply mode reads a record's changes alone, archives written in version 2 are still read, and
/// malformed bytes are refused, never trusted.
@Suite struct ArchiveEncodingTests {
    /// A block whose change set holds every kind of value and every form of change: accounts up and down,
    /// with nonce steps, created, deleted, balances near 2^128, and the other value kinds.
    static func handMadeBlock(events: [ReceiptEvent] = []) -> ArchivedBlock<BuiltinTransaction> {
        let alice = Address(space: 1, index: 1)
        let bob = Address(space: 1, index: 2)
        let token = Address(space: 7, index: 3)
        let changes: [StateChange] = [
            StateChange(key: .account(alice), oldValue: .account(Account(balance: 1_000, nonce: 4)), newValue: .account(Account(balance: 900, nonce: 5))),
            StateChange(key: .account(bob), oldValue: .account(Account(balance: 5)), newValue: .account(Account(balance: .max, nonce: .max))),
            StateChange(key: .account(Address(space: 1, index: 3)), oldValue: nil, newValue: .account(Account(balance: 1 << 100))),
            StateChange(key: .account(Address(space: 1, index: 1 << 40)), oldValue: .account(Account(balance: .max, nonce: 9)), newValue: .account(Account(balance: 0, nonce: 0))),
            StateChange(key: .account(Address(space: 2, index: 0)), oldValue: .account(Account(balance: 3)), newValue: nil),
            StateChange(key: .tokenBalance(token: token, holder: alice), oldValue: .amount(0), newValue: .amount(UInt128.max)),
            StateChange(key: .contractSlot(contract: token, slot: 0), oldValue: nil, newValue: .address(bob)),
            StateChange(key: .contractSlot(contract: token, slot: 1), oldValue: .word(Hash32.sha256([1])), newValue: .bytes([1, 2, 3])),
            StateChange(key: .custom(namespace: 3, id: Hash32.sha256([2])), oldValue: .bytes([]), newValue: .word(Hash32.sha256([3]))),
        ]
        let transactions = [
            BuiltinTransaction(sender: alice, nonce: 4, fee: 100, gasLimit: 21_000, payload: .transfer(to: bob, amount: 1)),
            BuiltinTransaction(sender: bob, nonce: 0, fee: 1, gasLimit: 50_000, payload: .counterIncrement(counter: bob, amount: 2)),
        ]
        let changeSet = ChangeSet(unsorted: changes)
        let executed = ExecutedBlock(
            context: BlockContext(number: 1, timestamp: 12, feeCollector: .zero), parent: Genesis(entries: []).head,
            transactions: transactions,
            receipts: [
                Receipt(status: .success, gasUsed: 21_000, feePaid: 100),
                Receipt(status: ReceiptStatus(rawValue: 999), gasUsed: 0, feePaid: .max, events: events),
            ],
            changeSet: changeSet,
            accessSets: [
                // Keys the change set has and a key only read, in no particular order, one repeated.
                AccessSet(reads: [.account(bob), .account(Address(space: 9, index: 9)), .account(alice)], writes: [.account(alice), .account(alice)]),
                AccessSet(reads: [], writes: [.contractSlot(contract: token, slot: 1)]),
            ])
        return ArchivedBlock(executed)
    }

    @Test func everyKindOfChangeSurvivesTheCompactEncoding() throws {
        let block = Self.handMadeBlock()
        #expect(block.changeSet.count == 9)
        let decoded = try ArchivedBlock<BuiltinTransaction>(encoded: block.encoded)
        #expect(decoded == block)
        #expect(decoded.changeSet.digest == block.header.changeSetDigest)
        let changes = try ArchivedChanges(encodedPrefix: block.encodedParts.changes)
        #expect(changes == ArchivedChanges(header: block.header, changeSet: block.changeSet))
        // The version 2 encoding of the same block still decodes to it.
        #expect(try ArchivedBlock<BuiltinTransaction>(encoded: block.version2Encoded) == block)
        #expect(try ArchivedChanges(encodedPrefix: block.version2Encoded).changeSet == block.changeSet)
    }

    static let events = [
        ReceiptEvent(emitter: Address(space: 7, index: 3), topics: [Hash32.sha256([1]), Hash32.sha256([2])], data: [5, 6, 7]),
        ReceiptEvent(emitter: Address(space: 7, index: 4), topics: [], data: []),
    ]

    @Test func receiptsWithEventsMakeAVersion4RecordAndOnlyThey() throws {
        #expect(Self.handMadeBlock().encoded.first == ArchivedBlock<BuiltinTransaction>.formatVersion)
        let block = Self.handMadeBlock(events: Self.events)
        let encoded = block.encoded
        #expect(encoded.first == ArchivedBlock<BuiltinTransaction>.formatVersionWithEvents)
        let decoded = try ArchivedBlock<BuiltinTransaction>(encoded: encoded)
        #expect(decoded == block)
        #expect(decoded.receipts[1].events == Self.events)
        #expect(BlockHeader.receiptsDigest(decoded.receipts) == block.header.receiptsDigest)
        #expect(try ArchivedChanges(encodedPrefix: block.encodedParts.changes) == ArchivedChanges(header: block.header, changeSet: block.changeSet))
    }

    @Test(arguments: [false, true])
    func everyCutOfAnEncodingIsRefused(withEvents: Bool) throws {
        let encoded = Self.handMadeBlock(events: withEvents ? Self.events : []).encoded
        for length in 0..<encoded.count {
            #expect(throws: CodecError.self) { try ArchivedBlock<BuiltinTransaction>(encoded: Array(encoded.prefix(length))) }
        }
        #expect(throws: CodecError.self) { try ArchivedBlock<BuiltinTransaction>(encoded: encoded + [0]) }
    }

    @Test func aForgedEventsSectionIsRefused() throws {
        /// The events section for `entries` (gap, event count) with one empty event each.
        func section(_ entries: [(gap: UInt64, count: UInt64)], listed: UInt64? = nil) -> [UInt8] {
            var writer = ByteWriter()
            writer.writeVarint(listed ?? UInt64(entries.count))
            for (gap, count) in entries {
                writer.writeVarint(gap)
                writer.writeVarint(count)
                for _ in 0..<count { ReceiptEvent(emitter: .zero, topics: [], data: []).encode(to: &writer) }
            }
            return writer.bytes
        }
        func read(_ bytes: [UInt8]) throws -> [Receipt] {
            var receipts = [Receipt](repeating: Receipt(status: .success, gasUsed: 0, feePaid: 0), count: 3)
            var reader = ByteReader(bytes)
            try CompactEncoding.readEvents(into: &receipts, from: &reader)
            try reader.expectEnd(of: "events")
            return receipts
        }
        #expect(try read(section([(0, 1), (1, 2)])).map(\.events.count) == [1, 0, 2])
        let forged: [(String, [UInt8])] = [
            ("no receipt listed", section([])),
            ("a receipt past the last", section([(3, 1)])),
            ("the same receipt twice, or out of order", section([(2, 1), (0, 1)])),
            ("a receipt listed with no events", section([(0, 0)])),
            ("more receipts listed than the block has", section([(0, 1), (0, 1), (0, 1), (0, 1)])),
            ("more events than a receipt holds", section([(0, UInt64(Receipt.maximumEvents) + 1)])),
        ]
        for (name, bytes) in forged {
            #expect(throws: CodecError.self, "\(name)") { try read(bytes) }
        }
    }

    @Test func varintsRoundTripAndOverlongOnesAreRefused() throws {
        let values: [UInt128] = [0, 1, 127, 128, 300, 1 << 63, UInt128(UInt64.max), UInt128(UInt64.max) + 1, .max]
        var writer = ByteWriter()
        for value in values { writer.writeVarint(value) }
        writer.writeVarint(UInt64.max)
        var reader = ByteReader(writer.bytes)
        for value in values { #expect(try reader.readVarint128("value") == value) }
        #expect(try reader.readVarint("value") == UInt64.max)
        try reader.expectEnd(of: "varints")
        // One bit past 64 (or 128) bits, and a varint that never ends.
        var past64 = ByteReader([UInt8](repeating: 0xFF, count: 9) + [0x02])
        #expect(throws: CodecError.self) { try past64.readVarint("value") }
        var past128 = ByteReader([UInt8](repeating: 0xFF, count: 18) + [0x04])
        #expect(throws: CodecError.self) { try past128.readVarint128("value") }
        var endless = ByteReader([0x80, 0x80])
        #expect(throws: CodecError.self) { try endless.readVarint("value") }
        var wide = ByteReader([0x80, 0x80, 0x80, 0x80, 0x10])
        #expect(throws: CodecError.self) { try wide.readVarint32("value") }
    }

    @Test func aKeyIndexPastTheKeyTableIsRefused() throws {
        let block = Self.handMadeBlock()
        var body = ByteWriter()
        body.writeVarint(UInt64(0))  // no read-only keys
        body.writeVarint(UInt64(1))  // one access set
        body.writeVarint(UInt64(1))  // one read
        body.writeVarint(UInt64(0))  // no write
        var valid = body
        valid.writeVarint(UInt64(block.changeSet.count - 1))  // the table's last key
        var validReader = ByteReader(valid.bytes)
        #expect(try CompactEncoding.readAccessSets(keysOf: block.changeSet, from: &validReader) == [AccessSet(reads: [block.changeSet.changes.last!.key], writes: [])])
        body.writeVarint(UInt64(block.changeSet.count))  // one past the table
        var reader = ByteReader(body.bytes)
        #expect {
            try CompactEncoding.readAccessSets(keysOf: block.changeSet, from: &reader)
        } throws: { error in
            "\(error)".contains("past the record's")
        }
    }

    @Test func theCompactEncodingIsSmallerThanVersion2() throws {
        let fixture = try ArchiveFixture(blocks: 3, blockSize: 200)
        let archive = try fixture.openArchive()
        for number in UInt64(1)...3 {
            let block = try archive.read(number, as: BuiltinTransaction.self)
            let compact = block.encoded
            let version2 = block.version2Encoded
            #expect(compact.count * 3 < version2.count * 2, "block \(number): \(compact.count) bytes against \(version2.count)")
            let parts = block.encodedParts
            let compressed = try Zstd.compress(parts.changes).count + Zstd.compress(parts.body).count
            #expect(compressed < (try Zstd.compress(version2)).count, "block \(number): \(compressed) bytes compressed")
        }
    }

    /// An archive whose records hold version 2 encodings, as archives written before version 3 do.
    static func version2Archive(from fixture: ArchiveFixture) throws -> String {
        let source = try fixture.openArchive()
        let path = fixture.root + "/archive-v2"
        let target = try BlockArchive(directory: path, writable: true)
        for number in UInt64(0)...source.head! {
            try target.appendRecord(number, parts: [try source.read(number, as: BuiltinTransaction.self).version2Encoded])
        }
        return path
    }

    @Test(arguments: [ReplayMode.execute, .apply])
    func archivesOfVersion2AreStillReadAndReplayed(mode: ReplayMode) throws {
        let fixture = try ArchiveFixture(blocks: 6)
        let old = try BlockArchive(directory: try Self.version2Archive(from: fixture), writable: false)
        let current = try fixture.openArchive()
        for number in UInt64(0)...6 {
            let block = try old.read(number, as: BuiltinTransaction.self)
            #expect(block == (try current.read(number, as: BuiltinTransaction.self)))
            #expect(try old.readChanges(number) == ArchivedChanges(header: block.header, changeSet: block.changeSet))
        }
        let store = try LMDBStateStore(directory: try fixture.freshStorePath("from-v2-\(mode)"), syncOnCommit: false)
        let report = try Replayer(archive: old, store: store, mode: mode, logic: BuiltinTransactionLogic(), window: 4).run()
        #expect(report.blocks == 6)
        #expect(try store.head()?.blockHash == fixture.headers.last?.hash)
    }

    @Test func applyModeReadsTheChangesFrameAlone() throws {
        let fixture = try ArchiveFixture(blocks: 2)
        let archive = try fixture.openArchive()
        let block = try archive.read(1, as: BuiltinTransaction.self)
        #expect(try archive.readChanges(1) == ArchivedChanges(header: block.header, changeSet: block.changeSet))
        // The record holds two frames: the first decompresses to the changes part alone.
        let offset = try fixture.offset(of: 1)
        let segment = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture.segmentPath(1))))
        let header = try RecordFraming.decodeHeader(Array(segment[Int(offset)..<Int(offset) + RecordFraming.headerSize])).get()
        let frames = Array(segment[Int(offset) + RecordFraming.headerSize..<Int(offset) + RecordFraming.headerSize + header.frameLength])
        let first = try Zstd.decompressFirstFrame(frames, limit: header.contentLength)
        #expect(first == block.encodedParts.changes)
        #expect(first.count < header.contentLength)
        #expect(try Zstd.decompress(frames, size: header.contentLength) == block.encoded)
    }
}
