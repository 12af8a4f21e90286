import Foundation

/// A one-line progress display on standard error, redrawn in place, shown only on a terminal.
struct Progress {
    private let enabled = isatty(STDERR_FILENO) == 1
    private var lastDraw = Date.distantPast

    /// Redraws the line at most ten times a second.
    mutating func update(_ text: @autoclosure () -> String) {
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        writeToStandardError("\r\u{1B}[2K\(text())")
    }

    /// Clears the line.
    func finish() {
        guard enabled else { return }
        writeToStandardError("\r\u{1B}[2K")
    }
}
