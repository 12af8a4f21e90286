import ArgumentParser
import Foundation
import Logging
import Takeoff
import TakeoffWasm

/// `takeoff replay`: rebuild a state store from a block archive, checking every block.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild a state store from a block archive, checking commitments, checksums and the hash chain.",
        discussion: """
            A new store starts from the archive's genesis (block 0), or from a snapshot imported first. An existing \
            store continues from its head: an interrupted replay resumes, and no block is applied twice. On any \
            mismatch the replay stops at that block with its number and both values, and the store keeps the last \
            good block. --anchor and --anchors name block hashes trusted from elsewhere (a published checkpoint): each \
            is checked against the archive before anything is loaded from it, and one past --to (or the archive's end) \
            is an error.

            A range task (one of many machines verifying a long history) replays exactly blocks A...B from a checkpoint: \
            --snapshot FILE --from A --to B into a new store. The snapshot's head must be block A-1 with the archive's \
            hash and state commitment for that block, checked before any block runs (a store given with --db is checked \
            the same way). With --json, a failure prints one JSON line too: its status, the first bad block and both \
            values.

            \(ExitStatus.helpText)
            """)

    @Option(help: "The block archive directory.")
    var archive: String

    @Option(help: "The state store directory (created if missing).")
    var db: String

    @Option(help: "execute: re-execute every block; apply: apply the archived change sets, merged over windows.")
    var mode: ReplayMode = .execute

    @Option(help: "A snapshot to load into the new store first: the state the replay starts from (see above).")
    var snapshot: String?

    @Option(help: "The first block to replay (default: the store's head + 1).")
    var from: UInt64?

    @Option(help: "The last block to replay (default: the archive's last block).")
    var to: UInt64?

    @Option(parsing: .unconditional, help: "Worker threads for execute mode.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Blocks committed together, in both modes (apply mode merges their change sets). A window commits as one "
                + "unit: `takeoff unwind` can go back to its edges only; --window 1 keeps every block unwindable."))
    var window: Int = 64

    @Option(
        name: .customLong("cross-block"), parsing: .unconditional,
        help: ArgumentHelp(
            "Execute mode: run consecutive blocks of at most this many transactions in all as one parallel run, so "
                + "that a block's transactions start before the previous block has finished (0: block by block).",
            valueName: "transactions"))
    var crossBlockTransactions: Int = PipelineConfiguration().crossBlockTransactions

    @Flag(help: "Apply mode: ignore the archive's merged range files (takeoff compact).")
    var noMergedRanges = false

    @Flag(help: "Check transaction signatures again in execute mode.")
    var verifySignatures = false

    @Flag(help: "Print one JSON object instead of the human-readable summary.")
    var json = false

    @OptionGroup var anchors: AnchorOptions
    @OptionGroup var metrics: MetricsOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be within 1...1024, got \(threads)") }
        guard (1...100_000).contains(window) else { throw ValidationError("--window must be within 1...100000, got \(window)") }
        guard (0...1_000_000).contains(crossBlockTransactions) else {
            throw ValidationError("--cross-block must be within 0...1000000, got \(crossBlockTransactions)")
        }
        if let from, let to, from > to { throw ValidationError("--from \(from) is after --to \(to)") }
    }

    func run() throws {
        logging.bootstrap()
        let metricsServer = try metrics.start()
        defer { withExtendedLifetime(metricsServer) {} }
        try checkArchivePath(archive, mayCreate: false)
        let blockArchive = try BlockArchive(directory: archive, writable: false)
        // Apply mode commits large windows with no execution beside it: there, writing through the map is faster.
        let store = try openStore(at: db, access: .create, writesThroughMap: mode == .apply)
        if let snapshot {
            let start = try SnapshotFile.Reader(path: snapshot).head
            if let from, from != start.block + 1 {
                throw ValidationError("--from \(from) does not follow the snapshot's head block \(start.block)")
            }
            if let head = try store.head() {
                throw CommandError(
                    description: "the store in \(db) is not empty (head block \(head.block)): --snapshot loads into a new store only", exitStatus: .badInput)
            }
            try SnapshotFile.importSnapshot(from: snapshot, into: store)
        }
        // Only once the store is ours: a replay refused for a store in use says that alone, even when it read the
        // archive while its writer was in the middle of a record.
        if let note = blockArchive.recoveryNote { printDiagnostic("archive \(archive): \(note)") }
        let logger = Logger(label: "takeoff.replay")
        let executor = ParallelExecutor(
            logic: BuiltinTransactionLogic.withWasmContracts(), options: ExecutionOptions(verifySignatures: verifySignatures), threads: threads, logger: logger)
        let replayer = Replayer(
            archive: blockArchive, store: store, mode: mode, executor: executor, window: window, useMergedRanges: !noMergedRanges,
            crossBlockTransactions: crossBlockTransactions,
            anchors: try anchors.load(), logger: logger)
        var progress = Progress()
        let target = to ?? blockArchive.head ?? 0
        let report = try replayer.run(from: from, to: to) { report in
            let first = report.fromBlock ?? report.headBlock
            var line = BlockProgress(
                totalBlocks: target >= first ? Int(target - first + 1) : nil, blocks: report.blocks, transactions: report.transactions,
                gas: report.gasUsed, lastBlock: report.headBlock)
            line.totalBlocks = line.totalBlocks.map { max($0, report.blocks) }
            progress.update(line.line(elapsed: report.seconds))
        }
        progress.finish()
        for note in report.notes { printDiagnostic(note) }
        if json {
            print(try jsonLine(report))
        } else if report.fromBlock == nil {
            print("Nothing to replay: the store is at block \(report.headBlock) (hash \(report.headHash)), state commitment \(report.stateCommitment)")
            print("  " + anchorsText(report.anchorsChecked))
        } else {
            print("""
                Replayed blocks \(report.fromBlock!)...\(report.toBlock!) (\(mode.rawValue) mode): \(report.blocks) blocks, \(report.transactions) transactions
                  \(Int(report.tps)) tx/s over \(String(format: "%.3f", report.seconds)) s; \(report.verifiedBlocks) commitments checked
                  head block \(report.headBlock) (hash \(report.headHash)), state commitment \(report.stateCommitment)
                  \(anchorsText(report.anchorsChecked))
                """)
            if !report.stages.isEmpty {
                print("  pipeline stages (busy / waiting for input / waiting for output, seconds): " + stageSummary(report.stages))
            }
            if let metrics = report.metrics { print("  " + metrics.humanText) }
            if report.executionLatency.count > 0 {
                print("  latency: execution \(report.executionLatency.percentiles.text); store commit \(report.commitLatency.percentiles.text)")
            } else {
                print("  latency: store commit \(report.commitLatency.percentiles.text)")
            }
        }
    }
}

extension ReplayMode: ExpressibleByArgument {}
