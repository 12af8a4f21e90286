// The tally chain's demo node. For each block: execute it on the parallel executor and on the sequential
// reference and require identical results (and that the parallel path ran); archive it; commit it to an
// LMDB store. Then rebuild the state twice from the archive alone, re-executing and applying change sets,
// and require the same head. Exits non-zero on any difference.
//
//     swift run tally-demo [directory] [--blocks N] [--block-size N] [--members N]
import Foundation
import TakeoffArchive
import TakeoffCore
import TakeoffNode
import TakeoffStore
import TallyChain
import TallySQLite

struct DemoFailure: Error, CustomStringConvertible {
    var description: String
}

func option(_ name: String, default value: Int) throws -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name) else { return value }
    guard index + 1 < arguments.count, let parsed = Int(arguments[index + 1]), parsed > 0 else {
        throw DemoFailure(description: "\(name) needs a positive number")
    }
    return parsed
}

func runDemo() throws {
    let blocks = try option("--blocks", default: 8)
    let blockSize = try option("--block-size", default: 200)
    let memberCount = try option("--members", default: 64)
    let directory = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("--") && Int($0) == nil }
        ?? NSTemporaryDirectory() + "tally-demo-\(ProcessInfo.processInfo.processIdentifier)"
    guard !FileManager.default.fileExists(atPath: directory) else {
        throw DemoFailure(description: "\(directory) exists already: name a new directory")
    }
    for part in ["store", "replay-execute", "replay-apply"] {
        try FileManager.default.createDirectory(atPath: directory + "/" + part, withIntermediateDirectories: true)
    }

    var workload = try TallyWorkload(memberCount: memberCount, seed: 7)
    let genesis = Genesis(entries: workload.genesisEntries)
    let store = try LMDBStateStore(directory: directory + "/store", syncOnCommit: false)
    let archive = try BlockArchive(directory: directory + "/archive", writable: true)
    try archive.append(ArchivedBlock<TallyTransaction>(genesis))
    try store.initialize(genesis)

    // Every block must run on the worker threads here, so that the comparison below tests the parallel path.
    let parallel = ParallelExecutor(logic: TallyLogic(), threads: 4, policy: .alwaysParallel)
    let sequential = SequentialExecutor(logic: TallyLogic())
    var statuses: [ReceiptStatus: Int] = [:]
    for number in 1...UInt64(blocks) {
        let transactions = try workload.nextBlock(size: blockSize)
        let (executed, reference) = try store.withReadView { view in
            let context = workload.context(number: view.head.block + 1)
            return (
                try parallel.execute(transactions, context: context, parent: view.head, state: view),
                try sequential.execute(transactions, context: context, parent: view.head, state: view)
            )
        }
        guard executed.metrics.path == .parallel else {
            throw DemoFailure(description: "block \(number) did not run in parallel: \(executed.metrics.reason)")
        }
        guard executed.header == reference.header, executed.receipts == reference.receipts,
            executed.changeSet == reference.changeSet
        else { throw DemoFailure(description: "block \(number): the parallel result differs from the sequential one") }
        try archive.append(ArchivedBlock(executed))
        try store.commit(executed.header, changeSet: executed.changeSet, commitment: executed.commitment)
        for receipt in executed.receipts { statuses[receipt.status, default: 0] += 1 }
        print(
            "block \(number): \(transactions.count) transactions, parallel = sequential "
                + "(\(executed.metrics.incarnations) executions, \(executed.metrics.aborts) aborts), "
                + "commitment \(executed.header.stateCommitment.hex.prefix(16))")
    }
    let head = try store.head()!
    let summary = statuses.sorted { $0.value > $1.value }.map { "\(TallyStatus.name(of: $0.key)) \($0.value)" }
    print("receipts: " + summary.joined(separator: ", "))

    // Rebuild the state from the archive alone, both ways, and check that each ends at the same head.
    for mode in [ReplayMode.execute, .apply] {
        let rebuilt = try LMDBStateStore(directory: directory + "/replay-\(mode)", syncOnCommit: false)
        let report = try Replayer(
            archive: try BlockArchive(directory: directory + "/archive", writable: false), store: rebuilt, mode: mode,
            executor: ParallelExecutor(logic: TallyLogic(), options: ExecutionOptions(verifySignatures: true))
        ).run()
        guard let replayed = try rebuilt.head(), replayed == head else {
            throw DemoFailure(description: "\(mode) replay ended at a different head than the run")
        }
        print("replay (\(mode)): \(report.blocks) blocks, \(report.transactions) transactions, same head and commitment")
    }
    let verified = try BlockArchive(directory: directory + "/archive", writable: false).verify()
    print("archive verified: \(verified.blocks) blocks, \(verified.commitmentsChecked) commitments")
    print("state: \(directory)/store at block \(head.block), commitment \(head.commitment.digest.hex)")

    try runOnStorageOfItsOwn(
        directory: directory, genesis: genesis, lmdb: store, archive: archive, blocks: UInt64(blocks),
        executor: ParallelExecutor(logic: TallyLogic(), threads: 4, policy: .alwaysParallel))
}

/// The same blocks on storage of the chain's own, SQLite through GRDB (``SQLiteStateStore``), run by Takeoff's
/// node floor as the LMDB store is: the pipeline with an archive of its own (same headers as the run above),
/// a replay of the first archive into a fresh SQLite store (both modes), and an unwind of both stores and their
/// archives to the middle, after which the pipeline runs the second half again on each, to the same head.
func runOnStorageOfItsOwn(
    directory: String, genesis: Genesis, lmdb: LMDBStateStore, archive: BlockArchive, blocks: UInt64, executor: ParallelExecutor<TallyLogic>
) throws {
    try FileManager.default.createDirectory(atPath: directory + "/sqlite", withIntermediateDirectories: true)
    let logged = try (1...blocks).map { try archive.read($0, as: TallyTransaction.self) }
    let headers = logged.map(\.header)
    func next(_ number: UInt64) -> PipelineBlock<TallyTransaction>? {
        guard number <= blocks else { return nil }
        return PipelineBlock(transactions: logged[Int(number) - 1].transactions, context: headers[Int(number) - 1].context)
    }

    let sqlite = try SQLiteStateStore(path: directory + "/sqlite/state.sqlite")
    let sqliteArchive = try BlockArchive(directory: directory + "/sqlite/archive", writable: true)
    var onSQLite: [BlockHeader] = []
    var parallelBlocks = 0
    try BlockPipeline(executor: executor, store: sqlite, archive: sqliteArchive).start(from: genesis)
    _ = try BlockPipeline(executor: executor, store: sqlite, archive: sqliteArchive).run(next: next) { executed in
        onSQLite.append(executed.header)
        if executed.metrics.path == .parallel { parallelBlocks += 1 }
    }
    guard parallelBlocks == onSQLite.count else { throw DemoFailure(description: "blocks on SQLite did not all run in parallel") }
    guard onSQLite == headers, try sqlite.head() == (try lmdb.head()) else {
        throw DemoFailure(description: "the pipeline on SQLite made other headers than the run on LMDB")
    }
    print("pipeline on SQLite (GRDB): \(onSQLite.count) blocks, the same headers as on LMDB")

    for mode in [ReplayMode.execute, .apply] {
        let rebuilt = try SQLiteStateStore(path: directory + "/sqlite/replay-\(mode).sqlite")
        let report = try Replayer(archive: archive, store: rebuilt, mode: mode, executor: executor).run()
        guard try rebuilt.head() == (try lmdb.head()) else { throw DemoFailure(description: "\(mode) replay into SQLite ended elsewhere") }
        print("replay (\(mode)) into SQLite: \(report.blocks) blocks, same head and commitment")
    }

    // Back to the middle on both, each store with its archive, then the second half again.
    let middle = blocks / 2
    for (name, unwound) in [
        ("LMDB", try Unwind.run(store: lmdb, log: archive, to: middle)), ("SQLite", try Unwind.run(store: sqlite, log: sqliteArchive, to: middle)),
    ] {
        guard unwound.head.blockHash == headers[Int(middle) - 1].hash, unwound.logHead == middle else {
            throw DemoFailure(description: "the unwind of the \(name) store did not end at block \(middle)")
        }
    }
    var again: [[BlockHeader]] = [[], []]
    _ = try BlockPipeline(executor: executor, store: lmdb, archive: archive).run(next: next) { again[0].append($0.header) }
    _ = try BlockPipeline(executor: executor, store: sqlite, archive: sqliteArchive).run(next: next) { again[1].append($0.header) }
    guard again[0] == Array(headers[Int(middle)...]), again[1] == again[0], try sqlite.head() == (try lmdb.head()) else {
        throw DemoFailure(description: "after the unwind, the second half made other headers")
    }
    print("unwound both stores and archives to block \(middle) and ran blocks \(middle + 1)...\(blocks) again: the same headers")
}

do {
    try runDemo()
} catch {
    FileHandle.standardError.write(Data("tally-demo: \(error)\n".utf8))
    exit(1)
}
