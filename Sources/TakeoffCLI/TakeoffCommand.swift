import ArgumentParser
import Foundation
import Takeoff

/// The `takeoff` command: parallel transaction execution over an LMDB state store.
@main
struct TakeoffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "takeoff",
        abstract: "Execute blocks of account transactions and commit them to an LMDB state store.",
        discussion: ExitStatus.helpText,
        version: "\(TakeoffVersion.current) (state commitment kernels: \(CommitmentKernels.active))",
        subcommands: [RunCommand.self, ReplayCommand.self, VerifyCommand.self, UnwindCommand.self, SnapshotCommand.self, RangeCommand.self, InspectCommand.self, CompactCommand.self, BenchCommand.self])

    /// Parses and runs, printing errors on one line (`takeoff: <message>`) with a non-zero exit, and help in
    /// full. Output that could not be written (standard output on a full disk) is an error too.
    static func main() {
        // A closed pipe on either stream must end in an error message and exit code, not a signal.
        signal(SIGPIPE, SIG_IGN)
        // A parent may have started us with these blocked; `kill` and Ctrl-C must still stop a run (every
        // commit is atomic and the archive is synced first, so stopping at any moment loses nothing).
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for stop in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&stopSignals, stop) }
        sigprocmask(SIG_UNBLOCK, &stopSignals, nil)
        // A forced commitment kernel this processor cannot run is refused before anything else runs.
        do {
            _ = try CommitmentKernels.fromEnvironment()
        } catch {
            printDiagnostic(error.description)
            Foundation.exit(64)  // EX_USAGE
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let status = ExitStatus(for: error)
            if status == .success {
                print(fullMessage(for: error))
            } else {
                let line = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
                printDiagnostic(advised(line, for: error))
                // A task runner reads one line of JSON whatever happened; usage errors have no --json to honour.
                if status != .usage, CommandLine.arguments.contains("--json"),
                    let summary = try? jsonLine(FailureSummary(error: error, status: status, message: line))
                {
                    print(summary)
                }
                _ = standardOutputIsIntact()
                Foundation.exit(status.rawValue)
            }
        }
        guard standardOutputIsIntact() else {
            printDiagnostic("cannot write to standard output: \(String(cString: strerror(errno)))")
            Foundation.exit(74)  // EX_IOERR
        }
        Foundation.exit(0)
    }
}
