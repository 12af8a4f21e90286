import Foundation
import Takeoff
import TakeoffWorkloads

/// A store and an archive built by running generated blocks, as `takeoff run --archive` does, in a scratch
/// directory removed afterwards.
final class ArchiveFixture {
    let root: String
    let archivePath: String
    let storePath: String
    /// Every archived header, block 0 first.
    private(set) var headers: [BlockHeader] = []
    private(set) var transactionCount = 0

    init(blocks: Int, blockSize: Int = 80, segmentSizeLimit: UInt64 = 64 << 20, seed: UInt64 = 7) throws {
        root = NSTemporaryDirectory() + "takeoff-archive-" + UUID().uuidString
        archivePath = root + "/archive"
        storePath = root + "/db"
        try FileManager.default.createDirectory(atPath: storePath, withIntermediateDirectories: true)
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .mix, accounts: 200, seed: seed, signed: false))
        let store = try LMDBStateStore(directory: storePath, syncOnCommit: false)
        let archive = try BlockArchive(directory: archivePath, writable: true, segmentSizeLimit: segmentSizeLimit)
        let genesis = Genesis(entries: generator.genesis())
        try archive.append(ArchivedBlock<BuiltinTransaction>(genesis))
        try store.initialize(genesis)
        headers.append(genesis.header)
        let executor = ParallelExecutor(logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false), threads: 2)
        for _ in 0..<blocks {
            let transactions = generator.nextBlock(size: blockSize)
            let executed = try store.withReadView { snapshot in
                try executor.execute(
                    transactions, context: generator.context(number: snapshot.head.block + 1), parent: snapshot.head, state: snapshot)
            }
            try archive.append(ArchivedBlock(executed))
            try store.commit(executed.header, changeSet: executed.changeSet)
            headers.append(executed.header)
            transactionCount += transactions.count
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// A new, empty store directory.
    func freshStorePath(_ name: String) throws -> String {
        let path = root + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The archive, read-only.
    func openArchive() throws -> BlockArchive { try BlockArchive(directory: archivePath, writable: false) }

    /// The path of segment `number`.
    func segmentPath(_ number: Int) -> String {
        archivePath + "/segment-" + String(repeating: "0", count: 8 - String(number).count) + "\(number).tko"
    }

    /// The byte offset of block `block`'s record, from the segment's index.
    func offset(of block: UInt64, segment: Int = 1) throws -> UInt64 {
        let index = try Data(contentsOf: URL(fileURLWithPath: segmentPath(segment).replacingOccurrences(of: ".tko", with: ".idx")))
        let bytes = [UInt8](index)
        for entry in stride(from: 0, to: bytes.count, by: 16) {
            let number = bytes[entry..<entry + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if number == block { return bytes[entry + 8..<entry + 16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        }
        throw CocoaError(.fileReadCorruptFile)
    }

    /// Replays into the store at `path`.
    func replay(into path: String, mode: ReplayMode, from: UInt64? = nil, to: UInt64? = nil, window: Int = 4) throws -> ReplayReport {
        let store = try LMDBStateStore(directory: path, syncOnCommit: false)
        return try Replayer(archive: try openArchive(), store: store, mode: mode, logic: BuiltinTransactionLogic(), window: window).run(from: from, to: to)
    }

    /// The head of the store at `path`.
    func head(of path: String) throws -> StoreHead? { try LMDBStateStore(directory: path, syncOnCommit: false).head() }
}

extension Replayer where Executor == ParallelExecutor<BuiltinTransactionLogic> {
    /// A replayer of the built-in chain as `takeoff replay` configures it: signature checks off (archived blocks
    /// were checked when first executed), one worker per core.
    init(
        archive: Log, store: Store, mode: ReplayMode, logic: BuiltinTransactionLogic, window: Int = 64, anchors: TrustAnchors = .none
    ) {
        self.init(
            archive: archive, store: store, mode: mode,
            executor: ParallelExecutor(logic: logic, options: ExecutionOptions(verifySignatures: false)), window: window, anchors: anchors)
    }
}
