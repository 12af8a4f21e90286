import ArgumentParser
import Foundation
import Takeoff

/// `takeoff snapshot export|import`.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Export a state store to a snapshot file, or import one into a new store.",
        subcommands: [Export.self, Import.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the store's state, head and commitment to a file.")

        @Option(help: "The state store directory.")
        var db: String

        @Option(help: "The snapshot file to write: a new file, or an existing regular file to replace (never a directory).")
        var out: String

        func run() throws {
            let (head, entries) = try Snapshot.export(from: try openStore(at: db, access: .readOnly), to: out)
            print("Exported block \(head.block) (\(entries) entries, state commitment \(head.commitment.digest.hex)) to \(out)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load a snapshot into a new, empty store.")

        @Option(help: "The snapshot file.")
        var `in`: String

        @Option(help: "The state store directory (created if missing; must be empty).")
        var db: String

        func run() throws {
            guard FileManager.default.isReadableFile(atPath: `in`) else { throw CommandError(description: "cannot read the snapshot \(`in`)") }
            let store = try openStore(at: db, access: .create)
            if let head = try store.head() {
                throw CommandError(description: "the store in \(db) is not empty (head block \(head.block)): a snapshot loads into a new store only")
            }
            let head = try Snapshot.importSnapshot(from: `in`, into: store)
            print("Imported block \(head.block) into \(db), state commitment \(head.commitment.digest.hex)")
        }
    }
}
