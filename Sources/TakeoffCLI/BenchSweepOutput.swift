import Foundation
import TakeoffBench

/// The files a sweep writes into its output directory: `sweep.json` (everything), `sweep.csv` (one row per
/// point), `mainnet-blocks.csv` (each trace block's measured and ideal speed-up), `sweep.md` (the tables), and
/// the plots that `Scripts/plot-sweep.py` draws from `sweep.json`.
struct BenchSweepOutput {
    static let dataFiles = ["sweep.json", "sweep.csv", "mainnet-blocks.csv", "sweep.md"]
    static let plots = ["speedup-vs-threads", "speedup-vs-work", "mainnet-blocks"].flatMap { ["\($0).svg", "\($0).png"] }
    /// The plotting script's path inside the repository.
    static let plotScript = "Scripts/plot-sweep.py"

    let directory: URL

    /// Checks, before anything is measured, that the directory can take the files: it is created if missing, and
    /// none of the files may exist already (the sweep never overwrites what it did not write).
    init(path: String) throws {
        directory = URL(fileURLWithPath: path, isDirectory: true)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CommandError(description: "--output \(path) is a file, not a directory") }
        } else {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw CommandError(description: "cannot create the output directory \(path): \(error.localizedDescription)")
            }
        }
        guard access(path, W_OK) == 0 else { throw CommandError(description: "cannot write into the output directory \(path)") }
        for name in Self.dataFiles + Self.plots where FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path) {
            throw CommandError(
                description: "\(directory.appendingPathComponent(name).path) exists already; pass an --output directory without "
                    + "an earlier sweep's files")
        }
    }

    /// Writes the data files.
    func write(_ report: BenchSweep.Report) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try save(try encoder.encode(report), as: "sweep.json")
        try save(Data(Self.csv(report.points).utf8), as: "sweep.csv")
        try save(Data(Self.mainnetBlocksCSV(report.points).utf8), as: "mainnet-blocks.csv")
        try save(Data(Self.markdown(report).utf8), as: "sweep.md")
    }

    private func save(_ data: Data, as name: String) throws {
        let url = directory.appendingPathComponent(name)
        do {
            try data.write(to: url, options: .withoutOverwriting)
        } catch {
            throw CommandError(description: "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Draws the plots with the repository's script (Python and matplotlib). Returns why it could not, or nil.
    func plot() -> String? {
        guard let script = RepositoryFile.locate(Self.plotScript) else { return "\(Self.plotScript) was not found" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, directory.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "python3 could not be started: \(error.localizedDescription)"
        }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let lastLine = String(decoding: message, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "no message"
            return "\(Self.plotScript) failed (\(lastLine))"
        }
        return nil
    }

    static func csv(_ points: [BenchSweep.Point]) -> String {
        var lines = [
            "contention,accounts,hotspot_share,work_us,work_rounds,threads,transactions,blocks,parallel_blocks,sequential_tps,"
                + "parallel_tps,speedup,ideal_speedup,critical_path_bound,efficiency,sequential_p50_ms,sequential_p99_ms,"
                + "parallel_p50_ms,parallel_p90_ms,parallel_p99_ms,parallel_max_ms"
        ]
        for point in points {
            let result = point.result
            let sequential = result.sequentialLatency.percentiles
            let parallel = result.parallelLatency.percentiles
            let fields: [String] = [
                point.contention, "\(point.accounts)", "\(point.hotspotShare)", "\(point.workMicroseconds)", "\(point.workRounds)",
                "\(result.threads)", "\(result.transactions)", "\(result.blocks)", "\(result.parallelBlocks)",
                "\(Int(result.sequentialTPS))", "\(Int(result.parallelTPS))", decimal(result.ratio), decimal(result.idealSpeedup),
                decimal(point.criticalPathBound), decimal(result.efficiency), "\(sequential.p50)", "\(sequential.p99)", "\(parallel.p50)",
                "\(parallel.p90)", "\(parallel.p99)", "\(parallel.max)",
            ]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func mainnetBlocksCSV(_ points: [BenchSweep.Point]) -> String {
        var lines = ["threads,block,measured_speedup,ideal_speedup,critical_path_bound,efficiency"]
        for point in points where point.contention == "mainnet" {
            for block in point.result.perBlock {
                lines.append(
                    "\(point.result.threads),\(block.block),\(block.measuredSpeedup),\(block.idealSpeedup),\(block.criticalPathBound),"
                        + "\(block.efficiency)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One table per work level: a row per contention level, a column per thread count, each cell the measured
    /// speed-up with the ideal one beside it.
    static func markdown(_ report: BenchSweep.Report) -> String {
        let settings = report.settings
        var text = """
            # Takeoff bench sweep

            Takeoff \(report.takeoffVersion) (commitment kernels \(report.commitmentKernels)), \(report.processors) processors, \
            \(report.date). \(settings.blocks) block(s) of \
            \(settings.blockSize) transactions per point (the mainnet trace keeps its blocks), best of \(settings.repeats); \
            \(report.roundsPerMicrosecond) SHA-256 rounds per µs of work. Each cell: the parallel executor's speed-up over \
            the sequential one on the same blocks, and in brackets the ideal speed-up the blocks' dependencies allow on \
            that many workers (see BENCHMARKS.md).

            """
        let threadHeader = settings.threads.map { $0 == 1 ? "1 thread" : "\($0) threads" }
        for micros in settings.workMicroseconds {
            text += "\n## \(BenchSweep.workLabel(micros).capitalizedFirst)\n\n"
            text += "| contention | sequential tx/s | " + threadHeader.joined(separator: " | ") + " |\n"
            text += "|---|---:|" + String(repeating: "---:|", count: settings.threads.count) + "\n"
            let rows = report.points.filter { $0.workMicroseconds == micros && $0.contention != "mainnet" }
            text += table(rows, threads: settings.threads)
        }
        let mainnet = report.points.filter { $0.contention == "mainnet" }
        if !mainnet.isEmpty {
            text += "\n## Mainnet trace\n\n| trace | sequential tx/s | " + threadHeader.joined(separator: " | ") + " |\n"
            text += "|---|---:|" + String(repeating: "---:|", count: settings.threads.count) + "\n"
            text += table(mainnet, threads: settings.threads)
        }
        return text
    }

    private static func table(_ points: [BenchSweep.Point], threads: [Int]) -> String {
        var rows: [String] = []
        var seen: Set<String> = []
        for point in points where seen.insert(point.contention).inserted {
            let cells = threads.map { count in
                points.first { $0.contention == point.contention && $0.result.threads == count }
                    .map { String(format: "%.2fx (%.2fx)", $0.result.ratio, $0.result.idealSpeedup) } ?? ""
            }
            rows.append("| \(point.contention) | \(Int(point.result.sequentialTPS)) | " + cells.joined(separator: " | ") + " |")
        }
        return rows.joined(separator: "\n") + "\n"
    }

    private static func decimal(_ value: Double) -> String { String(format: "%.3f", value) }
}

extension String {
    /// The string with its first letter capitalized.
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
