import ArgumentParser
import Foundation
import Logging
import Takeoff
import TakeoffWorkloads
import TakeoffWasm

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

    @Option(parsing: .unconditional, help: "wasm-amm: the pools the traders spread over (1: a single hot pool).")
    var pools: Int = 100

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

    @Option(parsing: .unconditional, help: "With --archive: blocks committed to the store together (the archive is the log).")
    var commitBlocks: Int = 16

    @Option(parsing: .unconditional, help: "With --archive: seconds a block waits for its store commit at most.")
    var commitInterval: Double = 1.0

    @Flag(help: "Generate unsigned transactions and skip signature checks (benchmarks over many accounts).")
    var unsigned = false

    @Flag(help: "Print one JSON object instead of the human-readable summary.")
    var json = false

    @Flag(
        help: """
            Time every transaction and report each block's ideal speed-up on --threads workers (its dependencies' \
            list schedule, weighted by the measured costs) beside an estimate of the measured one: in the summary, \
            and per block in --json (perBlock). The clock reads cost a few percent.
            """)
    var idealSpeedup = false

    @Flag(
        help: """
            Generate (and sign) every block before the run starts, outside its timing, and hold them in memory: the             rate is then execution, archive and store alone, as a benchmark of those wants it.
            """)
    var pregenerate = false

    @OptionGroup var metrics: MetricsOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard blocks >= 1 else { throw ValidationError("--blocks must be at least 1, got \(blocks)") }
        guard blockSize >= 1 else { throw ValidationError("--block-size must be at least 1, got \(blockSize)") }
        guard accounts >= 2 else { throw ValidationError("--accounts must be at least 2, got \(accounts)") }
        guard workPerTx >= 0 else { throw ValidationError("--work-per-tx must not be negative, got \(workPerTx)") }
        guard (1...1_000_000).contains(pools) else { throw ValidationError("--pools must be within 1...1000000, got \(pools)") }
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be within 1...1024, got \(threads)") }
        guard (1...4096).contains(commitBlocks) else { throw ValidationError("--commit-blocks must be within 1...4096, got \(commitBlocks)") }
        guard commitInterval >= 0, commitInterval <= 3600 else {
            throw ValidationError("--commit-interval must be within 0...3600 seconds, got \(commitInterval)")
        }
        guard (1...(1 << 40)).contains(segmentSize) else { throw ValidationError("--segment-size must be within 1...2^40 bytes, got \(segmentSize)") }
        if workload != .mainnet {
            // A streamed genesis holds nothing per account.
            let streamed = WorkloadConfiguration(kind: workload, signed: !unsigned).streamsGenesis
            try ArgumentLimits.checkAccounts(
                accounts, bytesPerAccount: streamed ? ArgumentLimits.bytesPerStreamedAccount : ArgumentLimits.bytesPerAccount)
        }
        // Pregenerated blocks are all held at once; otherwise a few are in flight.
        try ArgumentLimits.checkBlockSize(blockSize, held: pregenerate ? blocks : 1)
        try ArgumentLimits.checkWork(workPerTx, transactions: Double(blocks) * Double(blockSize), threads: executor == .parallel ? threads : 1)
    }

    func run() throws {
        logging.bootstrap()
        let metricsServer = try metrics.start()
        defer { withExtendedLifetime(metricsServer) {} }
        let traceData = workload == .mainnet ? try MainnetTrace(contentsOf: try TraceLocation.resolve(trace)) : nil
        let generator = try WorkloadGenerator(
            WorkloadConfiguration(kind: workload, accounts: accounts, seed: seed, signed: !unsigned, trace: traceData, pools: pools))
        if let archive { try checkArchivePath(archive, mayCreate: true) }
        let store = try openStore(at: db, access: .create)
        let options = ExecutionOptions(
            verifySignatures: !unsigned, workRoundsPerTransaction: workPerTx, measuresTransactionCosts: idealSpeedup)
        let blockArchive = try archive.map { try BlockArchive(directory: $0, writable: true, segmentSizeLimit: UInt64(segmentSize)) }
        if let note = blockArchive?.recoveryNote { printDiagnostic("archive \(archive!): \(note)") }
        switch executor {
        case .parallel:
            let executor = ParallelExecutor(
                logic: BuiltinTransactionLogic.withWasmContracts(), options: options, threads: threads, logger: Logger(label: "takeoff.executor"))
            try run(executor, generator, store, blockArchive)
        case .sequential:
            try run(SequentialExecutor(logic: BuiltinTransactionLogic.withWasmContracts(), options: options), generator, store, blockArchive)
        }
    }

    /// Runs the blocks on a pipeline over `executor`.
    private func run<Executor: BlockExecutor<BuiltinTransaction>>(
        _ executor: Executor, _ generator: WorkloadGenerator, _ store: LMDBStateStore, _ blockArchive: BlockArchive?
    ) throws {
        let pipeline = BlockPipeline(
            executor: executor, store: store, archive: blockArchive,
            configuration: PipelineConfiguration(commitBlocks: commitBlocks, commitInterval: commitInterval),
            logger: Logger(label: "takeoff.pipeline"))
        let started: PipelineStart
        var genesisSeconds: Double?
        do {
            let genesisStart = Date()
            let hadState = try store.head() != nil
            if generator.configuration.streamsGenesis {
                // Chunk by chunk, in constant memory, into the store and the archive's genesis.state.
                started = try pipeline.start(genesisChunks: { generator.genesisChunks() })
            } else {
                started = try pipeline.start(from: Genesis(entries: generator.genesis()))
            }
            if !hadState, started.head.block == 0 { genesisSeconds = Date().timeIntervalSince(genesisStart) }
        } catch let error as PipelineError {
            throw CommandError(description: advised("\(error)", for: error))
        }
        if let applied = started.recovered {
            printDiagnostic("applied archived blocks \(applied.lowerBound)...\(applied.upperBound) missing from the store")
        }
        // Nonces come from the store: all zero after genesis, the committed ones when continuing.
        generator.startingNonce = { address in
            guard case .account(let account)? = try? store.value(for: .account(address)) else { return 0 }
            return account.nonce
        }
        let startBlock = started.head.block
        if let available = generator.blockCount, startBlock + UInt64(blocks) > UInt64(available) {
            throw CommandError(
                description: "the mainnet trace has \(available) blocks and the store is at block \(startBlock): "
                    + "at most \(max(0, Int(available) - Int(startBlock))) more can run")
        }
        var progress = Progress()
        var blocksDone = BlockProgress(totalBlocks: blocks)
        var summary = RunSummary(workload: workload.rawValue, executor: self.executor.rawValue, threads: self.executor == .parallel ? threads : 1)
        summary.genesisSeconds = genesisSeconds
        let lastBlock = startBlock + UInt64(blocks)
        // Block N's transactions depend on the seed and N only: a split or interrupted run equals one run, and
        // blocks made ahead equal blocks made as they go.
        func make(_ number: UInt64) -> PipelineBlock<BuiltinTransaction> {
            PipelineBlock(transactions: generator.block(number: number, size: blockSize), context: generator.context(number: number))
        }
        var ahead: [PipelineBlock<BuiltinTransaction>?] = []
        if pregenerate {
            let start = Date()
            ahead = (startBlock + 1...lastBlock).map(make)
            summary.pregenerationSeconds = Date().timeIntervalSince(start)
        }
        let runStart = Date()
        let report = try pipeline.run(
            next: { number in
                guard number <= lastBlock else { return nil }
                guard pregenerate else { return make(number) }
                // Handed over once: the pipeline holds the block from here, and the list no longer does.
                defer { ahead[Int(number - startBlock - 1)] = nil }
                return ahead[Int(number - startBlock - 1)]
            },
            durable: { executed in
                summary.seconds = Date().timeIntervalSince(runStart)
                summary.record(executed, head: executed.head)
                blocksDone.add(transactions: executed.receipts.count, gas: executed.gasUsed, block: executed.header.number)
                progress.update(blocksDone.line(elapsed: summary.seconds))
            })
        progress.finish()
        summary.finish(report)
        // The head as the store holds it, hash included: what an operator publishes as a trust anchor.
        if let head = try store.head() { summary.headHash = head.blockHash.hex }
        summary.keys = try store.keyCount()
        summary.db = db
        print(json ? try jsonLine(summary) : summary.humanText())
    }
}

extension WorkloadKind: ExpressibleByArgument {}
