import Foundation
import Testing
import Takeoff
import TakeoffWorkloads

@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

/// Trust anchors: an archive rewritten consistently from a forged genesis replays and verifies cleanly on its own,
/// and is refused, before anything is loaded, once a block hash of the honest chain is pinned; so is a snapshot
/// taken from it. An anchor that cannot be checked is an error, never a pass.
@Suite struct TrustAnchorTests {
    static let blocks: UInt64 = 4

    /// Runs `blocks` blocks over a new store and archive in `root`; `forged` changes one genesis balance and
    /// executes the same blocks honestly from there, so every hash and commitment is recomputed and consistent.
    static func chain(in root: String, forged: Bool) throws -> [BlockHeader] {
        try FileManager.default.createDirectory(atPath: root + "/db", withIntermediateDirectories: true)
        let store = try LMDBStateStore(directory: root + "/db", syncOnCommit: false)
        let archive = try BlockArchive(directory: root + "/archive", writable: true)
        let executor = ParallelExecutor(
            logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false), threads: 2, policy: .alwaysParallel)
        let pipeline = BlockPipeline(executor: executor, store: store, archive: archive)
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .uniform, accounts: 2_000, seed: 9, signed: false))
        var entries = generator.genesis()
        if forged, case .account(var account) = entries[7].1 {
            account.balance += 1_000_000
            entries[7].1 = .account(account)
        }
        try pipeline.start(from: Genesis(entries: entries))
        var headers: [BlockHeader] = [try archive.readChanges(0).header]
        try pipeline.run(
            next: { number in
                number <= blocks ? PipelineBlock(transactions: generator.block(number: number, size: 100), context: generator.context(number: number)) : nil
            },
            durable: { headers.append($0.header) })
        return headers
    }

    static func scratch() throws -> String { try ArchiveGenesisTests.scratch() }
    static func newStore(_ path: String) throws -> LMDBStateStore { try ArchiveGenesisTests.newStore(path) }

    @Test func aForgedArchiveReplaysAloneAndIsRefusedWithAnAnchor() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let honest = try Self.chain(in: root + "/honest", forged: false)
        let forgedHeaders = try Self.chain(in: root + "/forged", forged: true)
        #expect(honest.last!.hash != forgedHeaders.last!.hash)
        let forged = try BlockArchive(directory: root + "/forged/archive", writable: false)
        let published = try TrustAnchors([TrustAnchor(block: 2, hash: honest[2].hash)])

        for mode in [ReplayMode.execute, .apply] {
            // Consistent with itself, it passes every check it has.
            let alone = try Self.newStore(root + "/alone-\(mode)")
            let report = try Replayer(archive: forged, store: alone, mode: mode, logic: BuiltinTransactionLogic()).run()
            #expect(report.headBlock == Self.blocks && report.anchorsChecked.isEmpty)

            let anchored = try Self.newStore(root + "/anchored-\(mode)")
            #expect(throws: TrustAnchorError.mismatch(block: 2, trusted: honest[2].hash, found: forgedHeaders[2].hash)) {
                try Replayer(archive: forged, store: anchored, mode: mode, logic: BuiltinTransactionLogic(), anchors: published).run()
            }
            #expect(try anchored.head() == nil, "nothing is loaded from an archive that fails its anchors")
        }
        #expect(throws: TrustAnchorError.mismatch(block: 2, trusted: honest[2].hash, found: forgedHeaders[2].hash)) {
            try forged.verify(anchors: published)
        }

        // The honest archive passes with the same anchor, and says it checked it.
        let honestArchive = try BlockArchive(directory: root + "/honest/archive", writable: false)
        let store = try Self.newStore(root + "/honest-replay")
        let report = try Replayer(archive: honestArchive, store: store, mode: .apply, logic: BuiltinTransactionLogic(), anchors: published).run()
        #expect(report.anchorsChecked == published.anchors && report.headHash == honest.last!.hash.hex)
        #expect(try honestArchive.verify(anchors: published).anchorsChecked == published.anchors)

        // A snapshot of the forged state: refused with the honest head's anchor, loaded with its own.
        let snapshot = root + "/forged.snapshot"
        try SnapshotFile.export(from: try LMDBStateStore(directory: root + "/alone-apply", syncOnCommit: false), to: snapshot)
        let honestHead = try TrustAnchors([TrustAnchor(block: Self.blocks, hash: honest.last!.hash)])
        let refused = try Self.newStore(root + "/import-refused")
        #expect(throws: TrustAnchorError.mismatch(block: Self.blocks, trusted: honest.last!.hash, found: forgedHeaders.last!.hash)) {
            try SnapshotFile.importSnapshot(from: snapshot, into: refused, trusting: honestHead)
        }
        #expect(try refused.head() == nil)
        let commitment = try #require(try LMDBStateStore(directory: root + "/honest/db", syncOnCommit: false).head()).commitment.digest
        #expect(throws: SnapshotError.self) {
            try SnapshotFile.importSnapshot(from: snapshot, into: refused, trusting: .none, commitment: commitment)
        }
        #expect(try refused.head() == nil)
        let ownHead = try TrustAnchors([TrustAnchor(block: Self.blocks, hash: forgedHeaders.last!.hash)])
        #expect(try SnapshotFile.importSnapshot(from: snapshot, into: try Self.newStore(root + "/import-own"), trusting: ownHead).blockHash == forgedHeaders.last!.hash)
    }

    @Test func anAnchorThatCannotBeCheckedIsAnError() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let headers = try Self.chain(in: root + "/a", forged: false)
        let archive = try BlockArchive(directory: root + "/a/archive", writable: false)
        let past = try TrustAnchors([TrustAnchor(block: Self.blocks + 1, hash: headers.last!.hash)])
        let store = try Self.newStore(root + "/replay")
        #expect(throws: TrustAnchorError.notReached(block: Self.blocks + 1, last: Self.blocks)) {
            try Replayer(archive: archive, store: store, mode: .apply, logic: BuiltinTransactionLogic(), anchors: past).run()
        }
        // Past the range asked for, even inside the archive.
        let third = try TrustAnchors([TrustAnchor(block: 3, hash: headers[3].hash)])
        #expect(throws: TrustAnchorError.notReached(block: 3, last: 2)) {
            try Replayer(archive: archive, store: store, mode: .apply, logic: BuiltinTransactionLogic(), anchors: third).run(to: 2)
        }
        #expect(throws: TrustAnchorError.notReached(block: 3, last: 2)) { try archive.verify(to: 2, anchors: third) }
        #expect(try store.head() == nil)
        // A snapshot is checked at its head block only; anchors for none of it are an error.
        let snapshot = root + "/a.snapshot"
        try SnapshotFile.export(from: try LMDBStateStore(directory: root + "/a/db", syncOnCommit: false), to: snapshot)
        #expect(throws: TrustAnchorError.noAnchorForSnapshot(block: Self.blocks, anchored: [3])) {
            try SnapshotFile.importSnapshot(from: snapshot, into: try Self.newStore(root + "/import"), trusting: third)
        }
    }

    @Test func aListOfAnchorsParsesWithCommentsAndRefusesConflicts() throws {
        let hash = Hash32.sha256(Array("block".utf8))
        let other = Hash32.sha256(Array("other".utf8))
        let list = try TrustAnchors(list: "# checkpoints\n\n12 \(hash.hex)\n  3:\(other.hex)  \n", source: "anchors.txt")
        #expect(list.anchors == [TrustAnchor(block: 3, hash: other), TrustAnchor(block: 12, hash: hash)])
        #expect(throws: TrustAnchorError.malformed(source: "anchors.txt", line: 2, reason: "'x' is not a block number")) {
            try TrustAnchors(list: "1 \(hash.hex)\nx \(hash.hex)", source: "anchors.txt")
        }
        #expect(throws: TrustAnchorError.self) { try TrustAnchor(parsing: "5:abc") }
        #expect(throws: TrustAnchorError.conflicting(block: 5, first: hash, second: other)) {
            try TrustAnchors([TrustAnchor(block: 5, hash: hash), TrustAnchor(block: 5, hash: other)])
        }
        #expect(try TrustAnchors([TrustAnchor(block: 5, hash: hash), TrustAnchor(block: 5, hash: hash)]).anchors.count == 1)
    }
}
