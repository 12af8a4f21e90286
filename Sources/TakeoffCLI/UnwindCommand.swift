import ArgumentParser
import Foundation
import Takeoff

/// `takeoff unwind`: roll the state back to an earlier block.
struct UnwindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unwind", abstract: "Roll the state store back to the state right after block N.")

    @Option(help: "The state store directory.")
    var db: String

    @Option(help: "The block to roll back to.")
    var to: UInt64

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: db) else { throw CommandError(description: "no database in \(db)") }
        let store = try openStore(at: db)
        guard let before = try store.head() else { throw CommandError(description: "the store in \(db) is empty") }
        guard to <= before.block else { throw CommandError(description: "the store is at block \(before.block), before block \(to)") }
        let head = try store.unwind(to: to)
        if json {
            print(try jsonLine(["headBlock": "\(head.block)", "stateCommitment": head.commitment.digest.hex, "unwoundFrom": "\(before.block)"]))
        } else {
            print("Unwound \(db) from block \(before.block) to block \(head.block), state commitment \(head.commitment.digest.hex)")
        }
    }
}
