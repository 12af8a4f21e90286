import ArgumentParser
import Foundation
import Takeoff
import TakeoffWorkloads

/// `takeoff run`: generate blocks from a workload, execute them and commit them.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Generate blocks from a workload, execute them and commit them to the state store.",
        discussion: """
            A new store gets the workload's genesis state first; an existing one continues from its head block \
            (run it with the same workload, accounts and seed options).
            """)

    enum ExecutorKind: String, ExpressibleByArgument, CaseIterable {
        case parallel, sequential
    }

    @Option(help: "The state store directory (created if missing).")
    var db: String

    @Option(help: "The traffic: \(WorkloadKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var workload: WorkloadKind = .uniform

    @Option(parsing: .unconditional, help: "Genesis accounts (ignored by the mainnet workload).")
    var accounts: Int = 10_000

    @Option(parsing: .unconditional, help: "Blocks to run.")
    var blocks: Int = 10

    @Option(parsing: .unconditional, help: "Transactions per block (the mainnet workload keeps each mainnet block's size).")
    var blockSize: Int = 1_000

    @Option(help: "The workload seed.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "Extra SHA-256 rounds per transaction, to model heavier transaction logic.")
    var workPerTx: Int = 0

    @Option(help: "The executor: parallel or sequential.")
    var executor: ExecutorKind = .parallel

    @Option(parsing: .unconditional, help: "Worker threads for the parallel executor (default: the active processor count).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "The mainnet trace, CSV or zstd-compressed CSV (default: the repository's Fixtures/ethereum-mainnet).")
    var trace: String?

    @Option(help: "Append every committed block to the block archive in this directory (created if missing).")
    var archive: String?

    @Option(parsing: .unconditional, help: "Bytes per archive segment file before a new one starts.")
    var segmentSize: Int = 64 << 20

    @Flag(help: "Generate unsigned transactions and skip signature checks (benchmarks over many accounts).")
    var unsigned = false

    @Flag(help: "Print one JSON object instead of the human-readable summary.")
    var json = false

    func validate() throws {
        guard blocks >= 1 else { throw ValidationError("--blocks must be at least 1, got \(blocks)") }
        guard blockSize >= 1 else { throw ValidationError("--block-size must be at least 1, got \(blockSize)") }
        guard accounts >= 2 else { throw ValidationError("--accounts must be at least 2, got \(accounts)") }
        guard workPerTx >= 0 else { throw ValidationError("--work-per-tx must not be negative, got \(workPerTx)") }
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be within 1...1024, got \(threads)") }
        guard (1...(1 << 40)).contains(segmentSize) else { throw ValidationError("--segment-size must be within 1...2^40 bytes, got \(segmentSize)") }
        if workload != .mainnet { try ArgumentLimits.checkAccounts(accounts) }
        try ArgumentLimits.checkBlockSize(blockSize)
        try ArgumentLimits.checkWork(workPerTx, transactions: Double(blocks) * Double(blockSize), threads: executor == .parallel ? threads : 1)
    }

    func run() throws {
        let traceData = workload == .mainnet ? try MainnetTrace(contentsOf: try TraceLocation.resolve(trace)) : nil
        let generator = try WorkloadGenerator(
            WorkloadConfiguration(kind: workload, accounts: accounts, seed: seed, signed: !unsigned, trace: traceData))
        if let archive { try checkArchivePath(archive, mayCreate: true) }
        let store = try openStore(at: db, access: .create)
        let options = ExecutionOptions(verifySignatures: !unsigned, workRoundsPerTransaction: workPerTx)
        let blockExecutor: any BlockExecutor<BuiltinTransaction> =
            switch executor {
            case .parallel: ParallelExecutor(logic: BuiltinTransactionLogic(), options: options, threads: threads)
            case .sequential: SequentialExecutor(logic: BuiltinTransactionLogic(), options: options)
            }

        let blockArchive = try archive.map { try BlockArchive(directory: $0, writable: true, segmentSizeLimit: UInt64(segmentSize)) }
        if let note = blockArchive?.recoveryNote { printDiagnostic("archive \(archive!): \(note)") }
        if try store.head() == nil {
            let genesis = Genesis(entries: generator.genesis())
            if let blockArchive, blockArchive.head != nil {
                // A new store beside an archive that has blocks (a run killed right after archiving genesis, or
                // a store deleted): rebuild it from the archive, if the archive starts from this genesis.
                guard blockArchive.firstBlock == 0, try blockArchive.read(0, as: BuiltinTransaction.self).header == genesis.header else {
                    throw CommandError(description: "the archive in \(archive!) does not start from this workload's genesis state")
                }
            } else {
                try blockArchive?.append(ArchivedBlock<BuiltinTransaction>(genesis))
                try store.initialize(genesis)
            }
        }
        if let blockArchive { try catchUp(store, with: blockArchive) }
        // Nonces come from the store: all zero after genesis, the committed ones when continuing.
        generator.startingNonce = { address in
            guard case .account(let account)? = try? store.value(for: .account(address)) else { return 0 }
            return account.nonce
        }
        let startBlock = try store.head()!.block
        if let available = generator.blockCount, startBlock + UInt64(blocks) > UInt64(available) {
            throw CommandError(
                description: "the mainnet trace has \(available) blocks and the store is at block \(startBlock): "
                    + "at most \(max(0, Int(available) - Int(startBlock))) more can run")
        }
        var progress = Progress()
        var summary = RunSummary(workload: workload.rawValue, executor: executor.rawValue, threads: executor == .parallel ? threads : 1)
        for number in startBlock + 1...startBlock + UInt64(blocks) {
            let generationStart = Date()
            // Block N's transactions depend on the seed and N only: a split or interrupted run equals one run.
            let transactions = generator.block(number: number, size: blockSize)
            summary.generationSeconds += Date().timeIntervalSince(generationStart)

            let start = Date()
            let executed = try store.withSnapshot { snapshot in
                try blockExecutor.execute(
                    transactions, context: generator.context(number: snapshot.head.block + 1), parent: snapshot.head,
                    state: snapshot)
            }
            // The archive is the source of truth: a block is durable once archived, then the store follows.
            try blockArchive?.append(ArchivedBlock(executed))
            // The executor already computed the commitment after the block: the store need not hash every key again.
            let head = try store.commit(executed.header, changeSet: executed.changeSet, commitment: executed.commitment)
            summary.seconds += Date().timeIntervalSince(start)
            summary.record(executed, head: head)
            progress.update(
                "block \(head.block): \(summary.transactions) transactions, \(Int(summary.tps)) tx/s")
        }
        progress.finish()
        summary.keys = try store.keyCount()
        summary.db = db
        print(json ? try jsonLine(summary) : summary.humanText())
    }
}

/// Brings the store up to the archive's head when a crash struck between archiving a block and committing
/// it (rebuilding it from genesis when it is new); refuses an archive that is behind the store, and blocks
/// that an unwind undid on purpose.
private func catchUp(_ store: StateStore, with archive: BlockArchive) throws {
    // An empty archive may start at any block: it then begins with the next one.
    guard let archived = archive.head else { return }
    let head = try store.head()
    if let head {
        guard archived >= head.block else {
            throw CommandError(description: "the archive in \(archive.directory) ends at block \(archived) but the store is at block \(head.block)")
        }
        if archived == head.block { return }
        if let unwound = try store.unwindRecord() {
            throw CommandError(
                description: "the store was unwound from block \(unwound.from) to block \(unwound.to) and the archive in \(archive.directory) "
                    + "still holds blocks \(head.block + 1)...\(archived); cut them with `takeoff unwind --db \(store.path) --archive "
                    + "\(archive.directory) --to \(head.block)`, or replay them with `takeoff replay`")
        }
    }
    let report = try Replayer(archive: archive, store: store, mode: .apply, logic: BuiltinTransactionLogic(), window: 1).run()
    printDiagnostic("applied archived blocks \(report.fromBlock ?? 0)...\(report.toBlock ?? 0) missing from the store")
}

extension WorkloadKind: ExpressibleByArgument {}
