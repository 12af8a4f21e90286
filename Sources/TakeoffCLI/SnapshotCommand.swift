import ArgumentParser
import Foundation
import Takeoff

/// `takeoff snapshot export|import`.
struct SnapshotCommand: ParsableCommand {
    /// What `snapshot import --json` prints.
    struct ImportSummary: Encodable {
        var headBlock: UInt64
        var headHash: String
        var stateCommitment: String
        var anchorsChecked: [TrustAnchor]
        var commitmentChecked: Bool
    }

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
            let (head, entries) = try SnapshotFile.export(from: try openStore(at: db, access: .readOnly), to: out)
            print("Exported block \(head.block) (\(entries) entries, state commitment \(head.commitment.digest.hex)) to \(out)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load a snapshot into a new, empty store.")

        @Option(help: "The snapshot file.")
        var `in`: String

        @Option(help: "The state store directory (created if missing; must be empty).")
        var db: String

        @OptionGroup var anchors: AnchorOptions

        @Option(help: "The state commitment the snapshot must carry (64 hex digits), trusted from elsewhere.")
        var expectCommitment: String?

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            guard FileManager.default.isReadableFile(atPath: `in`) else { throw CommandError(description: "cannot read the snapshot \(`in`)") }
            let store = try openStore(at: db, access: .create)
            if let head = try store.head() {
                throw CommandError(description: "the store in \(db) is not empty (head block \(head.block)): a snapshot loads into a new store only")
            }
            let commitment = try expectCommitment.map { text in
                do { return try Hash32(hex: text) } catch { throw ValidationError("--expect-commitment: '\(text)' is not 64 hex digits") }
            }
            let trusted = try anchors.load()
            let head = try SnapshotFile.importSnapshot(from: `in`, into: store, trusting: trusted, commitment: commitment)
            let checked = trusted.anchors.filter { $0.block == head.block }
            if json {
                print(try jsonLine(ImportSummary(
                    headBlock: head.block, headHash: head.blockHash.hex, stateCommitment: head.commitment.digest.hex, anchorsChecked: checked,
                    commitmentChecked: commitment != nil)))
            } else {
                print("Imported block \(head.block) (hash \(head.blockHash.hex)) into \(db), state commitment \(head.commitment.digest.hex)")
                print("  " + anchorsText(checked) + (commitment != nil ? "; the commitment is the trusted one" : ""))
            }
        }
    }
}
