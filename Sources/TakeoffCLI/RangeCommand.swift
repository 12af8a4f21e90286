import ArgumentParser
import Foundation
import Takeoff

/// `takeoff range merge|combine|apply`: the steps of building checkpoints and reconstructing state from block ranges
/// merged independently (on as many machines as there are ranges).
struct RangeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "range",
        abstract: "Merge block ranges' change sets, combine merged ranges, and apply them to a state: checkpoints and reconstruction.",
        discussion: """
            A long history splits into ranges that can be merged on different machines (merge), merged ranges combine \
            in order in any grouping (combine), and a merged range applied to the state before it gives the state after \
            it (apply): a snapshot (a checkpoint a range task can start from) or a new store. Every step checks what it \
            can: merge each block's parent hash and change-set digest, combine that the ranges follow each other, apply \
            that the starting state is the archive's and that the state after the range has the commitment of the \
            archive's header for its last block. Nothing is written into the archive, which may be read-only; every \
            output file is new (an existing one is refused, never replaced).

            \(ExitStatus.helpText)
            """,
        subcommands: [Merge.self, Combine.self, Apply.self])

    /// What `range merge` and `range combine` print with `--json`.
    struct MergeSummary: Encodable {
        var firstBlock: UInt64
        var lastBlock: UInt64
        var blocks: Int
        var transactions: Int
        var changedKeys: Int
        var lastHash: String
        var seconds: Double
        var output: String
    }

    /// What `range apply` prints with `--json`.
    struct ApplySummary: Encodable {
        var headBlock: UInt64
        var headHash: String
        var stateCommitment: String
        var entries: Int
        var seconds: Double
        var output: String
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge the change sets of blocks --from...--to into one range file.")

        @Option(help: "The block archive directory (read only).")
        var archive: String

        @Option(help: "The first block of the range (at least 1: block 0 is the genesis state).")
        var from: UInt64

        @Option(help: "The last block of the range.")
        var to: UInt64

        @Option(help: "The range file to write (must not exist).")
        var out: String

        @Flag(help: "Print one JSON object.")
        var json = false

        func validate() throws {
            guard from >= 1 else { throw ValidationError("--from must be at least 1 (block 0 is the genesis state, not a change set)") }
            guard from <= to else { throw ValidationError("--from \(from) is after --to \(to)") }
        }

        func run() throws {
            try refuseExisting(out)
            try checkArchivePath(archive, mayCreate: false)
            let blockArchive = try BlockArchive(directory: archive, writable: false)
            guard let head = blockArchive.head, to <= head else {
                throw ReplayError.pastLogHead(requested: to, head: blockArchive.head ?? 0)
            }
            let started = Date()
            let merged = try blockArchive.mergeChanges(of: from...to)
            try merged.write(to: out)
            try report(merged, seconds: Date().timeIntervalSince(started), output: out, json: json)
        }
    }

    struct Combine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine consecutive range files, in the order given, into one.")

        @Argument(help: "The range files, in block order.")
        var ranges: [String]

        @Option(help: "The range file to write (must not exist).")
        var out: String

        @Flag(help: "Print one JSON object.")
        var json = false

        func validate() throws {
            guard !ranges.isEmpty else { throw ValidationError("give at least one range file") }
        }

        func run() throws {
            try refuseExisting(out)
            let started = Date()
            let parts = try ranges.map { try MergedRange(contentsOf: $0) }
            for (index, (earlier, later)) in zip(parts, parts.dropFirst()).enumerated() where later.firstBlock != earlier.lastBlock + 1 {
                throw CommandError(
                    description: "\(ranges[index + 1]) (blocks \(later.firstBlock)...\(later.lastBlock)) does not follow \(ranges[index]) "
                        + "(blocks \(earlier.firstBlock)...\(earlier.lastBlock)): give consecutive ranges in block order",
                    exitStatus: .badInput)
            }
            let combined = try MergedRange.combining(parts)
            try combined.write(to: out)
            try report(combined, seconds: Date().timeIntervalSince(started), output: out, json: json)
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a range file to the state before it: write the state after it as a snapshot, or load it into a new store.")

        @Option(help: "The block archive the range comes from (read only): its headers are what the states are checked against.")
        var archive: String

        @Option(help: "The state before the range: a snapshot file (default: the archive's genesis).")
        var snapshot: String?

        @Option(help: "The range file.")
        var range: String

        @Option(help: "Write the state after the range to this snapshot file (must not exist).")
        var out: String?

        @Option(help: "Or load it, in key order, into this new state store.")
        var db: String?

        @Flag(help: "Print one JSON object.")
        var json = false

        func validate() throws {
            guard (out == nil) != (db == nil) else { throw ValidationError("give exactly one of --out and --db") }
        }

        func run() throws {
            if let out { try refuseExisting(out) }
            try checkArchivePath(archive, mayCreate: false)
            let blockArchive = try BlockArchive(directory: archive, writable: false)
            let started = Date()
            let merged = try MergedRange(contentsOf: range)
            var state = try StateAfterRange(archive: blockArchive, base: snapshot.map { .snapshot(path: $0) } ?? .genesis, range: merged)
            if let out {
                try state.writeSnapshot(to: out)
            } else if let db {
                let store = try openStore(at: db, access: .create, writesThroughMap: true)
                if let head = try store.head() {
                    throw CommandError(
                        description: "the store in \(db) is not empty (head block \(head.block)): a range loads into a new store only", exitStatus: .badInput)
                }
                try state.load(into: store)
            }
            let summary = ApplySummary(
                headBlock: state.head.block, headHash: state.head.blockHash.hex, stateCommitment: state.head.commitment.digest.hex,
                entries: state.entryCount, seconds: Date().timeIntervalSince(started), output: out ?? db!)
            if json {
                print(try jsonLine(summary))
            } else {
                print("""
                    State after block \(summary.headBlock) (hash \(summary.headHash)): \(summary.entries) entries written to \(summary.output) in \(String(format: "%.3f", summary.seconds)) s
                      state commitment \(summary.stateCommitment), the archive's header for that block
                    """)
            }
        }
    }
}

/// Refuses an output path that exists: the range commands write new files only.
private func refuseExisting(_ path: String) throws {
    if FileManager.default.fileExists(atPath: path) {
        throw CommandError(description: "\(path) exists: give a new file (the range commands never replace one)", exitStatus: .badInput)
    }
}

/// Prints what a merge or combine wrote.
private func report(_ merged: MergedRange, seconds: Double, output: String, json: Bool) throws {
    let summary = RangeCommand.MergeSummary(
        firstBlock: merged.firstBlock, lastBlock: merged.lastBlock, blocks: merged.headers.count, transactions: merged.transactions,
        changedKeys: merged.changeSet.count, lastHash: merged.headers[merged.headers.count - 1].hash.hex, seconds: seconds, output: output)
    if json {
        print(try jsonLine(summary))
    } else {
        print("""
            Merged blocks \(summary.firstBlock)...\(summary.lastBlock) (\(summary.blocks) blocks, \(summary.transactions) transactions): \(summary.changedKeys) changed keys, written to \(output) in \(String(format: "%.3f", seconds)) s
            """)
    }
}
