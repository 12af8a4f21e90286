import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What an operator watches while a command runs: the Prometheus endpoint, the log level, the progress lines.
@Suite struct ObservabilityTests {
    /// A `takeoff` process whose standard error is read as it comes.
    final class RunningTakeoff: @unchecked Sendable {
        let process = Process()
        private let errors = Pipe()
        private let lock = NSLock()
        private var errorText = ""

        init(_ arguments: [String]) throws {
            process.executableURL = TakeoffProcess.executable
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                self.lock.withLock { self.errorText += String(decoding: data, as: UTF8.self) }
            }
            try process.run()
        }

        var standardError: String { lock.withLock { errorText } }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            errors.fileHandleForReading.readabilityHandler = nil
        }
    }

    /// The value of the sample `name` (with its labels, as written) in Prometheus text.
    private func sample(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    private func scrape(_ url: URL) async throws -> (String, String?) {
        let (data, response) = try await URLSession.shared.data(from: url)
        return (String(decoding: data, as: UTF8.self), (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type"))
    }

    @Test func theMetricsEndpointServesCountersThatMoveWhileARunGoesOn() async throws {
        let directory = scratchPath("metrics")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let takeoff = try RunningTakeoff([
            "run", "--db", directory + "/db", "--archive", directory + "/archive", "--blocks", "2000", "--block-size", "300",
            "--accounts", "2000", "--metrics-address", "127.0.0.1:0",
        ])
        defer { takeoff.stop() }
        var address: URL?
        for _ in 0..<600 where address == nil {
            if let match = takeoff.standardError.firstMatch(of: /metrics at (http:\/\/127\.0\.0\.1:[0-9]+\/metrics)/) {
                address = URL(string: String(match.1))
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let url = try #require(address, "no address on standard error: \(takeoff.standardError)")

        var first: Double?
        var text = ""
        for _ in 0..<300 {
            let (body, contentType) = try await scrape(url)
            #expect(contentType?.hasPrefix("text/plain; version=0.0.4") == true)
            text = body
            let transactions = sample("takeoff_transactions_total", in: body)
            if first == nil {
                first = transactions
            } else if let transactions, let earlier = first, transactions > earlier, sample("takeoff_store_commit_seconds_count", in: body) ?? 0 > 0 {
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(takeoff.process.isRunning, "the run ended before the counters were seen moving")
        let moved = try #require(sample("takeoff_transactions_total", in: text))
        #expect(moved > (first ?? 0), "takeoff_transactions_total did not move: \(text)")
        let blocks = (sample(#"takeoff_blocks_total{path="parallel"}"#, in: text) ?? 0) + (sample(#"takeoff_blocks_total{path="sequential"}"#, in: text) ?? 0)
        #expect(blocks > 0 && moved == blocks * 300, "every block has 300 transactions: \(moved) transactions over \(blocks) blocks")
        #expect(sample("takeoff_gas_total", in: text) ?? 0 >= moved * 21_000)
        #expect(sample("takeoff_archive_bytes_total", in: text) ?? 0 > 0)
        #expect(sample("takeoff_store_map_bytes", in: text) ?? 0 > 0)
        #expect(sample("takeoff_store_free_pages", in: text) != nil)
        #expect(sample("takeoff_incarnations_total", in: text) ?? 0 >= moved)
        for name in ["takeoff_validations_total", "takeoff_aborts_total", "takeoff_dependency_waits_total", #"takeoff_phase_seconds_total{phase="execution"}"#] {
            #expect(sample(name, in: text) != nil, "\(name) missing")
        }
    }

    @Test func aMetricsAddressThatCannotBeBoundIsAnError() throws {
        let directory = scratchPath("metrics-bad")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let malformed = try TakeoffProcess.run(["run", "--db", directory, "--metrics-address", "localhost"])
        #expect(malformed.status != 0 && malformed.stderr.contains("HOST:PORT"), "\(malformed.stderr)")
        // 192.0.2.1 (TEST-NET-1) is no address of this machine.
        let unbindable = try TakeoffProcess.run(["run", "--db", directory, "--blocks", "1", "--metrics-address", "192.0.2.1:0"])
        #expect(unbindable.status != 0)
        #expect(unbindable.stderr.hasPrefix("takeoff: cannot serve metrics at 192.0.2.1:0"), "\(unbindable.stderr)")
        #expect(unbindable.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: directory), "nothing is created before the endpoint is up")
    }

    @Test func theLogLevelChoosesWhatReachesStandardError() throws {
        let directory = scratchPath("logging")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["run", "--db", directory + "/db", "--archive", directory + "/archive", "--blocks", "3", "--block-size", "50", "--accounts", "100"]
        // By default (warning) a healthy run logs nothing.
        let quiet = try TakeoffProcess.run(arguments)
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        // At debug: plain lines (standard error is a pipe here), timestamp, level, label, message, metadata.
        let verbose = try TakeoffProcess.run(arguments.map { $0 == "3" ? "6" : $0 } + ["--log-level", "debug"])
        #expect(verbose.status == 0, "\(verbose.stderr)")
        let lines = verbose.stderr.split(separator: "\n")
        let commit = try #require(lines.first { $0.contains("takeoff.pipeline: store commit") }, "\(verbose.stderr)")
        #expect(commit.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z debug takeoff\.pipeline: store commit blocks=\d+\.\.\.\d+ seconds=[0-9.e-]+/) != nil, "\(commit)")
        #expect(!verbose.stderr.contains("\u{1B}["), "no terminal colors in a pipe")
        let bad = try TakeoffProcess.run(arguments + ["--log-level", "loud"])
        #expect(bad.status != 0 && bad.stderr.contains("log-level"), "\(bad.stderr)")
    }

    @Test func progressIsAPlainPeriodicLineWhenNotOnATerminal() throws {
        let directory = scratchPath("progress")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = Process()
        process.executableURL = TakeoffProcess.executable
        process.arguments = ["run", "--db", directory + "/db", "--blocks", "40", "--block-size", "200", "--accounts", "1000", "--json"]
        process.environment = ProcessInfo.processInfo.environment.merging(["TAKEOFF_PROGRESS_INTERVAL": "0"]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        let lines = text.split(separator: "\n")
        #expect(lines.count >= 10, "\(text)")
        #expect(!text.contains("\r") && !text.contains("\u{1B}["))
        let last = try #require(lines.last)
        #expect(last.wholeMatch(of: /takeoff: block \d+, \d+ of 40 \(\d+%\), \d+ tx, \d+ tx\/s, [0-9.]+ Mgas\/s(, ETA \d+s)?/) != nil, "\(last)")
    }
}
