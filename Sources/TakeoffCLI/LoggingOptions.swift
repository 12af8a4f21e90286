import ArgumentParser
import Foundation
import Logging

/// `--log-level`, shared by every command, and the handler the command line bootstraps for swift-log: lines on
/// standard error, with the level in color on a terminal, and plain timestamped lines otherwise (a log file, a
/// pipe, a service manager's journal).
struct LoggingOptions: ParsableArguments {
    @Option(help: "The least severe log messages shown: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .warning

    /// Sends every logger in the process to standard error at `logLevel`. Call once, first thing in a command.
    func bootstrap() {
        let level = logLevel
        let terminal = isatty(STDERR_FILENO) == 1
        LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, logLevel: level, terminal: terminal) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// A swift-log handler that writes one line per message on standard error.
struct StandardErrorLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    /// Whether standard error is a terminal: short colored lines there, plain timestamped ones elsewhere.
    let terminal: Bool
    var metadata: Logger.Metadata = [:]

    init(label: String, logLevel: Logger.Level, terminal: Bool) {
        self.label = label
        self.logLevel = logLevel
        self.terminal = terminal
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        writeToStandardError(Self.line(event: event, label: label, handlerMetadata: metadata, terminal: terminal, date: Date()))
    }

    /// The line for one message: `2026-01-02T03:04:05.678Z notice takeoff.pipeline: message key=value` when not on
    /// a terminal; `takeoff notice: message (key=value)` with the level in color on one.
    static func line(event: LogEvent, label: String, handlerMetadata: Logger.Metadata, terminal: Bool, date: Date) -> String {
        let merged = handlerMetadata.merging(event.metadata ?? [:]) { $1 }
        let pairs = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        if terminal {
            let color =
                switch event.level {
                case .critical, .error: "\u{1B}[31m"
                case .warning: "\u{1B}[33m"
                case .notice, .info: "\u{1B}[36m"
                case .debug, .trace: "\u{1B}[2m"
                }
            return "takeoff \(color)\(event.level)\u{1B}[0m: \(event.message)\(pairs.isEmpty ? "" : " (\(pairs))")\n"
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return "\(formatter.string(from: date)) \(event.level) \(label): \(event.message)\(pairs.isEmpty ? "" : " " + pairs)\n"
    }
}
