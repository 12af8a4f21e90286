import ArgumentParser
import Foundation
import Takeoff
import TakeoffBench

/// `takeoff compact`: write merged change sets of block ranges beside an archive, for fast apply-mode replay.
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Merge the change sets of every complete range of blocks, so that apply-mode replay skips intermediate values.",
        discussion: """
            Writes ranges/range-FIRST-LAST.tkr in the archive directory for every complete run of --range-blocks blocks \
            after genesis that has none yet. A range file carries every header of its blocks (the hash chain is still \
            checked) and one change set in which each key appears once.
            """)

    @Option(help: "The block archive directory.")
    var archive: String

    @Option(parsing: .unconditional, help: "Blocks per merged range.")
    var rangeBlocks: Int = 1_000

    func validate() throws {
        guard rangeBlocks >= 1 else { throw ValidationError("--range-blocks must be at least 1, got \(rangeBlocks)") }
        try ArgumentLimits.checkBlockSize(rangeBlocks, option: "--range-blocks (blocks held at once, counted as transactions)")
    }

    func run() throws {
        try checkArchivePath(archive, mayCreate: false)
        let blockArchive = try BlockArchive(directory: archive, writable: true, create: false)
        if let note = blockArchive.recoveryNote { printDiagnostic("archive \(archive): \(note)") }
        var progress = Progress()
        let first = max(blockArchive.firstBlock ?? 1, 1)
        let last = blockArchive.head ?? 0
        let written = try blockArchive.compact(rangeSize: rangeBlocks) { through, written in
            let done = Int(through - first + 1)
            let total = max(Int(last) - Int(first) + 1, done)
            let rate = Double(done) / max(progress.elapsedSeconds, 1e-9)
            progress.update(
                "block \(through) of \(last) (\(done * 100 / total)%), \(written.count) ranges written, \(Int(rate)) blocks/s"
                    + (done < total ? ", ETA \(durationText(Double(total - done) / rate))" : ""))
        }
        progress.finish()
        let ranges = written.map { "\($0.lowerBound)...\($0.upperBound)" }.joined(separator: ", ")
        print(written.isEmpty ? "No new complete range of \(rangeBlocks) blocks to merge" : "Merged ranges \(ranges)")
    }
}
