import ArgumentParser
import Foundation
import Takeoff

/// `takeoff unwind`: roll the state back to an earlier block, and optionally cut the archive back with it.
struct UnwindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unwind", abstract: "Roll the state store back to the state right after block N.",
        discussion: """
            The store remembers that it was unwound: a later `takeoff run --archive` refuses to re-apply the undone \
            blocks from the archive. With --archive, the archive is cut back to block N as well (its later blocks and \
            merged ranges are removed), and runs carry on from block N.
            """)

    @Option(help: "The state store directory.")
    var db: String

    @Option(help: "The block to roll back to.")
    var to: UInt64

    @Option(help: "Also remove the archive's blocks after block N (they are gone for good).")
    var archive: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        if let archive { try checkArchivePath(archive, mayCreate: false) }
        let store = try openStore(at: db, access: .existing)
        // Open (and lock) the archive before touching the store, so that neither is changed when it cannot be.
        let blockArchive = try archive.map { try BlockArchive(directory: $0, writable: true, create: false) }
        let result = try Unwind.run(store: store, log: blockArchive, to: to)
        let head = result.head
        if json {
            var object = ["headBlock": "\(head.block)", "stateCommitment": head.commitment.digest.hex, "unwoundFrom": "\(result.from)"]
            if let logHead = result.logHead { object["archiveHeadBlock"] = "\(logHead)" }
            print(try jsonLine(object))
        } else {
            print("Unwound \(db) from block \(result.from) to block \(head.block), state commitment \(head.commitment.digest.hex)")
            if let logHead = result.logHead { print("Cut the archive \(archive!) back to block \(logHead)") }
        }
    }
}
