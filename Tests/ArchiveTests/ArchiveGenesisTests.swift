import Foundation
import Testing
import Takeoff
@testable import TakeoffIO
import TakeoffWorkloads

@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

/// A genesis streamed into an archive: its entries in `genesis.state` (many frames, many chunks), block 0's
/// record with the header alone; a run over it, a replay and a verify from it give what a whole genesis
/// gives, and a damaged, swapped or missing `genesis.state` is refused before a store gets a head.
@Suite struct ArchiveGenesisTests {
    static let accounts = 60_000
    static let blockSize = 200

    static func generator() throws -> WorkloadGenerator {
        try WorkloadGenerator(WorkloadConfiguration(kind: .uniform, accounts: accounts, seed: 5, signed: false))
    }

    static func executor() -> ParallelExecutor<BuiltinTransactionLogic> {
        ParallelExecutor(logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false), threads: 2, policy: .alwaysParallel)
    }

    /// Runs `blocks` blocks over a new store and archive in `root`; the genesis is streamed when `streamed`.
    static func run(in root: String, streamed: Bool, blocks: UInt64 = 3) throws -> [BlockHeader] {
        try FileManager.default.createDirectory(atPath: root + "/db", withIntermediateDirectories: true)
        let store = try LMDBStateStore(directory: root + "/db", syncOnCommit: false)
        let archive = try BlockArchive(directory: root + "/archive", writable: true)
        let pipeline = BlockPipeline(executor: executor(), store: store, archive: archive)
        let generator = try generator()
        if streamed {
            try pipeline.start(genesisChunks: { generator.genesisChunks(size: 7_000) })
        } else {
            try pipeline.start(from: Genesis(entries: generator.genesis()))
        }
        var headers: [BlockHeader] = [try archive.readChanges(0).header]
        try pipeline.run(
            next: { number in
                number <= blocks ? PipelineBlock(transactions: generator.block(number: number, size: blockSize), context: generator.context(number: number)) : nil
            },
            durable: { headers.append($0.header) })
        return headers
    }

    static func scratch() throws -> String {
        let root = NSTemporaryDirectory() + "takeoff-archive-genesis-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return root
    }

    /// Where the last zstd frame of `bytes` starts.
    static func offsetOfLastFrame(_ bytes: [UInt8]) throws -> Int {
        var offset = 0
        var last = 0
        while offset < bytes.count {
            last = offset
            offset += try Zstd.frameLength(Array(bytes[offset...]))
        }
        return last
    }

    static func newStore(_ path: String) throws -> LMDBStateStore {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return try LMDBStateStore(directory: path, syncOnCommit: false)
    }

    @Test func aStreamedGenesisGivesTheSameChainAndReplays() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let streamed = try Self.run(in: root + "/streamed", streamed: true)
        let whole = try Self.run(in: root + "/whole", streamed: false)
        #expect(streamed == whole)

        let archive = try BlockArchive(directory: root + "/streamed/archive", writable: false)
        // Block 0's record holds no entries; genesis.state holds them, in many frames.
        #expect(try archive.readChanges(0).changeSet.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: root + "/whole/archive/genesis.state"))
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/streamed/archive/genesis.state")))
        #expect(try Zstd.frameCount(file) >= 3)
        var entries = try archive.genesisEntries()
        var chunks = 0
        var count = 0
        while let chunk = try entries.next() {
            chunks += 1
            count += chunk.count
        }
        #expect(count == Self.accounts && chunks == (Self.accounts + 6_999) / 7_000)

        // Replays from the archive, in both modes, end where the run did; verify follows the commitment from genesis.
        for mode in [ReplayMode.execute, .apply] {
            let store = try Self.newStore(root + "/replay-\(mode)")
            let report = try Replayer(archive: archive, store: store, mode: mode, logic: BuiltinTransactionLogic()).run()
            #expect(report.headBlock == 3)
            #expect(try store.head()?.blockHash == streamed.last!.hash)
        }
        let verification = try archive.verify()
        #expect(verification.blocks == 4 && verification.commitmentsChecked == 4)
    }

    /// A writer refuses an archive whose `genesis.state` it could not replay from: missing, truncated, with a
    /// flipped byte, or another archive's well-formed file; a reader still opens it and finds the same. Put back,
    /// the writer opens it.
    @Test func aWriterRefusesAnArchiveWhoseGenesisCouldNotBeReplayed() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try Self.run(in: root + "/a", streamed: true, blocks: 1)
        let directory = root + "/a/archive"
        let path = directory + "/genesis.state"
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(try BlockArchive(directory: directory, writable: true).checkGenesisState() == Self.accounts)

        func expectRefused(_ damage: String, because reason: (String) -> Bool) throws {
            #expect(
                "\(damage)", performing: { _ = try BlockArchive(directory: directory, writable: true) },
                throws: { error in
                    guard case .genesisState(let file, let why)? = error as? ArchiveError else { return false }
                    return file == path && reason(why)
                })
            let reader = try BlockArchive(directory: directory, writable: false)
            #expect(throws: ArchiveError.self, "\(damage)") { try reader.checkGenesisState() }
        }

        try FileManager.default.removeItem(atPath: path)
        try expectRefused("missing") { $0.contains("No such file") }

        try Data(original.prefix(original.count / 2)).write(to: URL(fileURLWithPath: path))
        try expectRefused("truncated") { $0.hasPrefix("damaged") }

        var flipped = original
        flipped[flipped.count / 3] ^= 0x10
        try Data(flipped).write(to: URL(fileURLWithPath: path))
        try expectRefused("flipped") { $0.hasPrefix("damaged") }

        // Another genesis's file: every frame, the key order and the checksum are right, block 0's digest is not.
        let other = try WorkloadGenerator(WorkloadConfiguration(kind: .uniform, accounts: 1_000, seed: 6, signed: false))
        var iterator = other.genesisChunks().makeIterator()
        try FileManager.default.removeItem(atPath: path)
        _ = try GenesisStateFile.write(to: path) { iterator.next() }
        try expectRefused("swapped") { $0.contains("not block 0's") && $0.contains("another archive") }

        try FileManager.default.removeItem(atPath: path)
        try Data(original).write(to: URL(fileURLWithPath: path))
        let writer = try BlockArchive(directory: directory, writable: true)
        #expect(writer.head == 1)
    }

    @Test func aDamagedSwappedOrMissingGenesisStateIsRefused() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try Self.run(in: root + "/a", streamed: true, blocks: 1)
        let path = root + "/a/archive/genesis.state"
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))

        func refused(_ name: String, _ check: (any Error) -> Bool) throws {
            let archive = try BlockArchive(directory: root + "/a/archive", writable: false)
            let store = try Self.newStore(root + "/" + name)
            #expect(performing: { try store.loadGenesis(from: archive) }, throws: check)
            #expect(try store.head() == nil, "\(name)")
            #expect(throws: (any Error).self) { try archive.verify() }
        }

        // A flipped byte inside a frame: zstd, the key order, the checksum or the header finds it, whichever
        // meets it first.
        var damaged = original
        damaged[damaged.count / 2] ^= 0x40
        try Data(damaged).write(to: URL(fileURLWithPath: path))
        try refused("damaged") { error in
            if case .genesisState(let file, _)? = error as? ArchiveError { return file == path }
            if case .inconsistentBlock(0, _)? = error as? ReplayError { return true }
            return false
        }
        // A flipped byte of the closing checksum: only the checksum can find it.
        var checksum = original
        let last = try Zstd.decompress(checksum)
        #expect(last.count > 32)
        checksum = Array(original.dropLast(original.count - (try Self.offsetOfLastFrame(original))))
            + (try Zstd.compress(Array(Hash32.sha256(Array(last.dropLast(32))).bytes.map { $0 ^ 1 })))
        try Data(checksum).write(to: URL(fileURLWithPath: path))
        try refused("checksum") { error in
            guard case .genesisState(_, let reason)? = error as? ArchiveError else { return false }
            return reason.contains("checksum")
        }

        // Another genesis's well-formed file: every frame and the checksum are right, the header is not.
        let other = try WorkloadGenerator(WorkloadConfiguration(kind: .uniform, accounts: 1_000, seed: 5, signed: false))
        var iterator = other.genesisChunks().makeIterator()
        try FileManager.default.removeItem(atPath: path)
        _ = try GenesisStateFile.write(to: path) { iterator.next() }
        try refused("swapped") { error in
            guard case .inconsistentBlock(0, _)? = error as? ReplayError else { return false }
            return true
        }

        try FileManager.default.removeItem(atPath: path)
        try refused("missing") { error in
            guard case .genesisState(let file, _)? = error as? ArchiveError else { return false }
            return file == path
        }

        // Put back, it loads.
        try Data(original).write(to: URL(fileURLWithPath: path))
        let archive = try BlockArchive(directory: root + "/a/archive", writable: false)
        let store = try Self.newStore(root + "/restored")
        #expect(try store.loadGenesis(from: archive).blockHash == (try archive.readChanges(0).header.hash))
    }
}
