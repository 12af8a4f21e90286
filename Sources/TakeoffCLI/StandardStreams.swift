#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `text` to standard error as it is. Failures are ignored: with standard error full or closed
/// (`2>/dev/full`) there is nowhere left to say anything, and that must not crash the command.
func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress! + done, $0.count - done) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        done += written
    }
    bytes.removeAll()
}

/// One line on standard error, prefixed `takeoff: `.
func printDiagnostic(_ message: String) {
    writeToStandardError("takeoff: \(message)\n")
}

/// Flushes standard output and tells whether everything printed there reached it (a full disk or a closed
/// pipe make it fail).
func standardOutputIsIntact() -> Bool {
    // `fflush(nil)` flushes every output stream, standard output included, without naming the global.
    fflush(nil) == 0
}
