import ArgumentParser
import Foundation
import Takeoff
import TakeoffBench

/// `takeoff verify`: check a store or an archive, read-only.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a state store (--db) or a block archive (--archive) without changing either.",
        discussion: """
            --db recomputes the state commitment from every key and compares it with the head's, and checks that \
            every history entry decodes. --archive checks every record's checksum and framing, the hash chain and \
            each header's digests of transactions, receipts and change set; from genesis it also recomputes every \
            block's state commitment from the change sets, and checks the block hashes given with --anchor and \
            --anchors. The first problem ends the command with the block and byte offset (archive) or both \
            commitments (store), and a non-zero exit.
            """)

    @Option(help: "A state store directory.")
    var db: String?

    @Option(help: "A block archive directory.")
    var archive: String?

    @Option(help: "Archive: the first block to check (default: the first).")
    var from: UInt64?

    @Option(help: "Archive: the last block to check (default: the last).")
    var to: UInt64?

    @Flag(help: "Print one JSON object.")
    var json = false

    @OptionGroup var anchors: AnchorOptions

    func validate() throws {
        guard (archive == nil) != (db == nil) else { throw ValidationError("give exactly one of --archive and --db") }
        if db != nil && (from != nil || to != nil) { throw ValidationError("--from and --to apply to --archive only") }
        if db != nil && (!anchors.inline.isEmpty || anchors.file != nil) {
            throw ValidationError("--anchor and --anchors apply to --archive only (a store's head is checked against them by replay)")
        }
        if let from, let to, from > to { throw ValidationError("--from \(from) is after --to \(to)") }
    }

    func run() throws {
        var progress = Progress()
        if let db {
            let store = try openStore(at: db, access: .readOnly)
            let total = try store.keyCount()
            let report = try store.verify { report in
                let rate = Double(report.keys) / max(report.seconds, 1e-9)
                let left = max(total - report.keys, 0)
                progress.update(
                    "\(report.keys) of \(total) keys (\(report.keys * 100 / max(total, 1))%), \(Int(rate)) keys/s"
                        + (left > 0 ? ", ETA \(durationText(Double(left) / rate))" : ""))
            }
            progress.finish()
            if json {
                print(try jsonLine(report))
            } else {
                print("""
                    Store \(db) verified: head block \(report.headBlock), \(report.keys) keys (\(report.bytes) bytes), \(report.historyEntries) history entries
                      state commitment \(report.stateCommitment) recomputed in \(String(format: "%.3f", report.seconds)) s
                    """)
            }
        } else if let archive {
            try checkArchivePath(archive, mayCreate: false)
            let blockArchive = try BlockArchive(directory: archive, writable: false)
            if let note = blockArchive.recoveryNote { printDiagnostic("archive \(archive): \(note)") }
            let target = to ?? blockArchive.head ?? 0
            let first = from ?? blockArchive.firstBlock ?? 0
            let report = try blockArchive.verify(from: from, to: to, anchors: try anchors.load()) { report in
                let line = BlockProgress(
                    totalBlocks: target >= first ? max(Int(target - first + 1), report.blocks) : nil, blocks: report.blocks,
                    transactions: report.transactions, lastBlock: report.toBlock)
                progress.update(line.line(elapsed: report.seconds))
            }
            progress.finish()
            if json {
                print(try jsonLine(report))
            } else if let first = report.fromBlock, let last = report.toBlock {
                print("""
                    Archive \(archive) verified: blocks \(first)...\(last) (\(report.blocks) blocks, \(report.transactions) transactions) in \(String(format: "%.3f", report.seconds)) s
                      checksums, hash chain and header digests of every block; \(report.commitmentsChecked) state commitments recomputed from genesis
                      \(anchorsText(report.anchorsChecked))
                    """)
            } else {
                print("Archive \(archive) is empty")
            }
        }
    }
}
