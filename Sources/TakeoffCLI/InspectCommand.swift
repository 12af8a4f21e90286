import ArgumentParser
import Foundation
import Takeoff

/// `takeoff inspect`: what an archive or a store holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Describe a block archive (--archive) or a state store (--db).",
        discussion: """
            With --archive and --block N, lists block N instead: its header, and each transaction's receipt \
            (status, gas, fee) with the events it holds (emitter, topics, data, in hex).
            """)

    @Option(help: "A block archive directory.")
    var archive: String?

    @Option(help: "A state store directory.")
    var db: String?

    @Option(help: "With --archive: list this block's receipts and events.")
    var block: UInt64?

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard (archive == nil) != (db == nil) else { throw ValidationError("give exactly one of --archive and --db") }
        guard block == nil || archive != nil else { throw ValidationError("--block needs --archive") }
    }

    func run() throws {
        if let archive, let block {
            try checkArchivePath(archive, mayCreate: false)
            try listBlock(block, of: try BlockArchive(directory: archive, writable: false))
        } else if let archive {
            try checkArchivePath(archive, mayCreate: false)
            let blockArchive = try BlockArchive(directory: archive, writable: false)
            if let note = blockArchive.recoveryNote { printDiagnostic("archive \(archive): \(note)") }
            let statistics = try blockArchive.statistics()
            // Read back as a replay from genesis would; a damaged genesis is reported after the rest, and fails the command.
            var genesisProblem: (any Error)?
            var genesis: String
            do {
                genesis = try blockArchive.checkGenesisState().map { "\($0) entries in genesis.state, read back whole" }
                    ?? (statistics.headBlock == nil ? "none yet" : "in block 0's record")
            } catch {
                genesisProblem = error
                genesis = "DAMAGED: \(error)"
            }
            if json {
                var summary = ArchiveSummary(statistics)
                summary.genesis = genesis
                print(try jsonLine(summary))
            } else {
                print("""
                    Archive \(archive): \(statistics.blocks) blocks (\(statistics.firstBlock.map(String.init) ?? "-")...\(statistics.headBlock.map(String.init) ?? "-")), \(statistics.transactions) transactions
                      \(statistics.segments) segments, \(statistics.bytes) bytes on disk, \(statistics.uncompressedBytes) uncompressed
                      compression ratio \(String(format: "%.2f", statistics.compressionRatio)), \(String(format: "%.1f", statistics.bytesPerTransaction)) bytes per transaction
                      genesis: \(genesis)
                    """)
            }
            if let genesisProblem {
                throw CommandError(description: "\(genesisProblem); no replay can start from this archive")
            }
        } else if let db {
            let store = try openStore(at: db, access: .readOnly)
            guard let head = try store.head() else { throw CommandError(description: "the store in \(db) is empty") }
            let keys = try store.keyCount()
            if json {
                print(try jsonLine(StoreSummary(headBlock: head.block, headHash: head.blockHash.hex, stateCommitment: head.commitment.digest.hex, keys: keys)))
            } else {
                print("Store \(db): head block \(head.block) (hash \(head.blockHash.hex)), \(keys) keys, state commitment \(head.commitment.digest.hex)")
            }
        }
    }

    struct StoreSummary: Encodable {
        var headBlock: UInt64
        var headHash: String
        var stateCommitment: String
        var keys: Int
    }

    struct ArchiveSummary: Encodable {
        var blocks: Int
        var segments: Int
        var firstBlock: UInt64?
        var headBlock: UInt64?
        var transactions: Int
        var bytes: UInt64
        var uncompressedBytes: UInt64
        var compressionRatio: Double
        var bytesPerTransaction: Double
        /// Where block 0's entries are and whether they read back, or what is wrong with them.
        var genesis = ""

        init(_ statistics: BlockArchive.Statistics) {
            blocks = statistics.blocks
            segments = statistics.segments
            firstBlock = statistics.firstBlock
            headBlock = statistics.headBlock
            transactions = statistics.transactions
            bytes = statistics.bytes
            uncompressedBytes = statistics.uncompressedBytes
            compressionRatio = (statistics.compressionRatio * 100).rounded() / 100
            bytesPerTransaction = (statistics.bytesPerTransaction * 10).rounded() / 10
        }
    }
}
