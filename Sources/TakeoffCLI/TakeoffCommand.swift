import ArgumentParser
import Foundation

/// The `takeoff` command: parallel transaction execution over an LMDB state store.
@main
struct TakeoffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "takeoff",
        abstract: "Execute blocks of account transactions and commit them to an LMDB state store.",
        subcommands: [RunCommand.self, ReplayCommand.self, UnwindCommand.self, SnapshotCommand.self, InspectCommand.self, CompactCommand.self, BenchCommand.self])

    /// Parses and runs, printing errors on one line (`takeoff: <message>`) with a non-zero exit, and help in
    /// full.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
            } else {
                let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
                FileHandle.standardError.write(Data("takeoff: \(message)\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}
