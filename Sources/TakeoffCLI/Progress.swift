import Foundation

/// Progress of a long command on standard error: on a terminal, one line redrawn in place; otherwise (a pipe, a
/// log file) a plain line every few seconds, so that the log keeps a readable history.
struct Progress {
    private let isTerminal: Bool
    private let plainInterval: Double
    private let start = DispatchTime.now().uptimeNanoseconds
    private var lastLine: UInt64 = 0
    private var drewOnTerminal = false

    /// The interval between plain lines: `TAKEOFF_PROGRESS_INTERVAL` seconds when set, else 10.
    static var defaultPlainInterval: Double {
        ProcessInfo.processInfo.environment["TAKEOFF_PROGRESS_INTERVAL"].flatMap(Double.init).map { max(0, $0) } ?? 10
    }

    init(isTerminal: Bool = isatty(STDERR_FILENO) == 1, plainInterval: Double = Progress.defaultPlainInterval) {
        self.isTerminal = isTerminal
        self.plainInterval = plainInterval
        lastLine = start
    }

    /// Seconds since the progress began.
    var elapsedSeconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// Shows `text`: redrawn at most ten times a second on a terminal, a new line every interval otherwise.
    mutating func update(_ text: @autoclosure () -> String) {
        let now = DispatchTime.now().uptimeNanoseconds
        let interval = isTerminal ? 0.1 : plainInterval
        guard Double(now - lastLine) / 1e9 >= interval else { return }
        show(text())
    }

    /// Shows `text` now, whatever the interval; a `persistent` line stays on a terminal too (a result worth
    /// keeping, where an update is redrawn over).
    mutating func show(_ text: String, persistent: Bool = false) {
        lastLine = DispatchTime.now().uptimeNanoseconds
        if isTerminal && persistent {
            writeToStandardError("\r\u{1B}[2K\(text)\n")
        } else if isTerminal {
            drewOnTerminal = true
            writeToStandardError("\r\u{1B}[2K\(text)")
        } else {
            writeToStandardError("takeoff: \(text)\n")
        }
    }

    /// Clears the line on a terminal; a plain log keeps its lines.
    func finish() {
        guard isTerminal, drewOnTerminal else { return }
        writeToStandardError("\r\u{1B}[2K")
    }
}

/// What a progress line says about a command that works through blocks: how far, how fast, and when it ends.
struct BlockProgress {
    /// The blocks the command will go through, when known.
    var totalBlocks: Int?
    var blocks = 0
    var transactions = 0
    /// Gas used by the receipts so far; 0 where the chain has no gas.
    var gas: UInt64 = 0
    /// The number of the last block done, when blocks have numbers.
    var lastBlock: UInt64?

    mutating func add(transactions count: Int, gas used: UInt64, block number: UInt64? = nil) {
        blocks += 1
        transactions += count
        gas += used
        lastBlock = number ?? lastBlock
    }

    /// One line: blocks done (of how many), transactions, tx/s, Mgas/s where gas applies, and the time left.
    func line(elapsed seconds: Double) -> String {
        var parts: [String] = []
        let head = lastBlock.map { "block \($0)" } ?? "\(blocks) blocks"
        if let totalBlocks, totalBlocks > 0 {
            parts.append("\(head), \(blocks) of \(totalBlocks) (\(blocks * 100 / totalBlocks)%)")
        } else {
            parts.append(head)
        }
        parts.append("\(transactions) tx")
        if seconds > 0 {
            parts.append("\(Int(Double(transactions) / seconds)) tx/s")
            if gas > 0 { parts.append(String(format: "%.1f Mgas/s", Double(gas) / seconds / 1e6)) }
        }
        if let totalBlocks, blocks > 0, blocks < totalBlocks {
            parts.append("ETA " + durationText(seconds / Double(blocks) * Double(totalBlocks - blocks)))
        }
        return parts.joined(separator: ", ")
    }
}

/// `seconds` as `1h02m`, `3m07s` or `12s`.
func durationText(_ seconds: Double) -> String {
    let whole = Int(seconds.rounded())
    if whole >= 3600 { return String(format: "%dh%02dm", whole / 3600, whole % 3600 / 60) }
    if whole >= 60 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
    return "\(whole)s"
}
