import Foundation
import Testing

/// Runs the built `takeoff` binary as a user would.
struct TakeoffProcess {
    /// The binary: built next to the test bundle by `swift test`.
    static let executable: URL = {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundleDirectory.appendingPathComponent("takeoff")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs takeoff under a file-size limit of `kilobytes` (`ulimit -f`), SIGXFSZ ignored so that a write past
    /// it fails with an error instead of killing the process: a stand-in for a full disk.
    static func runWithFileSizeLimit(kilobytes: Int, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        let command = ([executable.path] + arguments).joined(separator: " ")
        process.arguments = ["-c", "trap '' XFSZ; ulimit -f \(kilobytes); exec \(command)"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs `takeoff run --json` and returns the parsed object.
    static func runJSON(_ arguments: [String]) throws -> [String: Any] {
        let result = try run(["run", "--json"] + arguments)
        #expect(result.status == 0, "takeoff failed: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: Any])
    }
}

/// A fresh directory path (not created) under the temporary directory.
func scratchPath(_ name: String) -> String {
    NSTemporaryDirectory() + "takeoff-cli-\(name)-" + UUID().uuidString
}

@Suite struct CommandLineTests {
    @Test func sameSeedSameCommitmentRunAfterRun() throws {
        let arguments = ["--workload", "mix", "--accounts", "300", "--blocks", "3", "--block-size", "100", "--seed", "9"]
        let first = scratchPath("a")
        let second = scratchPath("b")
        defer {
            try? FileManager.default.removeItem(atPath: first)
            try? FileManager.default.removeItem(atPath: second)
        }
        let one = try TakeoffProcess.runJSON(["--db", first] + arguments)
        let two = try TakeoffProcess.runJSON(["--db", second] + arguments)
        let commitment = try #require(one["stateCommitment"] as? String)
        #expect(commitment.count == 64)
        #expect(two["stateCommitment"] as? String == commitment)
        for field in ["blocks", "transactions", "seconds", "tps", "headBlock", "stateCommitment"] {
            #expect(one[field] != nil, "missing \(field)")
        }
        #expect(one["transactions"] as? Int == 300)
        #expect(one["headBlock"] as? Int == 3)
        let other = scratchPath("c")
        defer { try? FileManager.default.removeItem(atPath: other) }
        let third = try TakeoffProcess.runJSON(["--db", other] + arguments.dropLast() + ["10"])
        #expect(third["stateCommitment"] as? String != commitment)
    }

    @Test func parallelAndSequentialAgreeAndReportTheirMetrics() throws {
        let arguments = ["--workload", "hotspot", "--accounts", "500", "--blocks", "2", "--block-size", "400", "--seed", "3", "--unsigned"]
        let parallelDB = scratchPath("parallel")
        let sequentialDB = scratchPath("sequential")
        defer {
            try? FileManager.default.removeItem(atPath: parallelDB)
            try? FileManager.default.removeItem(atPath: sequentialDB)
        }
        let parallel = try TakeoffProcess.runJSON(["--db", parallelDB, "--executor", "parallel", "--threads", "3"] + arguments)
        let sequential = try TakeoffProcess.runJSON(["--db", sequentialDB, "--executor", "sequential"] + arguments)
        #expect(parallel["stateCommitment"] as? String == sequential["stateCommitment"] as? String)
        #expect(parallel["executor"] as? String == "parallel")
        #expect(parallel["threads"] as? Int == 3)
        let metrics = try #require(parallel["metrics"] as? [String: Any])
        for field in ["parallelBlocks", "sequentialBlocks", "incarnations", "aborts", "validations", "dependencyWaits", "executionSeconds"] {
            #expect(metrics[field] != nil, "missing metrics.\(field)")
        }
        // The first block runs in parallel; the second measures the sequential path for the adaptive policy.
        #expect(metrics["parallelBlocks"] as? Int == 1)
        #expect(metrics["sequentialBlocks"] as? Int == 1)
        #expect((metrics["incarnations"] as? Int ?? 0) >= 800)
    }

    /// Blocks made before the run are the blocks made during it: the same head, archive and all, with the
    /// generation reported apart from the rate.
    @Test func pregeneratedBlocksGiveTheSameHead() throws {
        let arguments = ["--workload", "mix", "--accounts", "300", "--blocks", "4", "--block-size", "80", "--seed", "5", "--unsigned"]
        let (plain, ahead) = (scratchPath("plain"), scratchPath("ahead"))
        defer {
            try? FileManager.default.removeItem(atPath: plain)
            try? FileManager.default.removeItem(atPath: ahead)
        }
        let asTheyGo = try TakeoffProcess.runJSON(["--db", plain + "/db", "--archive", plain + "/archive"] + arguments)
        let beforehand = try TakeoffProcess.runJSON(["--db", ahead + "/db", "--archive", ahead + "/archive", "--pregenerate"] + arguments)
        let head = try #require(asTheyGo["stateCommitment"] as? String)
        #expect(beforehand["stateCommitment"] as? String == head)
        #expect(beforehand["headHash"] as? String == asTheyGo["headHash"] as? String)
        #expect(asTheyGo["pregenerationSeconds"] == nil)
        #expect((beforehand["pregenerationSeconds"] as? Double ?? -1) >= 0)
        // A second pregenerated run continues from the head.
        let next = try TakeoffProcess.runJSON(["--db", ahead + "/db", "--archive", ahead + "/archive", "--pregenerate"] + arguments)
        #expect(next["headBlock"] as? Int == 8)
    }

    @Test func aSecondRunContinuesFromTheHead() throws {
        let db = scratchPath("continue")
        defer { try? FileManager.default.removeItem(atPath: db) }
        let arguments = ["--db", db, "--accounts", "100", "--blocks", "2", "--block-size", "50", "--unsigned"]
        _ = try TakeoffProcess.runJSON(arguments)
        let second = try TakeoffProcess.runJSON(arguments)
        #expect(second["headBlock"] as? Int == 4)
        #expect(second["failed"] as? Int == 0)
    }

    @Test func humanOutputShowsThroughput() throws {
        let db = scratchPath("human")
        defer { try? FileManager.default.removeItem(atPath: db) }
        let result = try TakeoffProcess.run(["run", "--db", db, "--accounts", "100", "--blocks", "1", "--block-size", "20"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("tx/s"))
        #expect(result.stdout.contains("head block 1"))
    }

    @Test(arguments: [
        ["run"],
        ["run", "--db", "/tmp/x", "--blocks", "0"],
        ["run", "--db", "/tmp/x", "--block-size", "-3"],
        ["run", "--db", "/tmp/x", "--workload", "teleport"],
        ["run", "--db", "/tmp/x", "--accounts", "many"],
        ["run", "--db", "/tmp/x", "--executor", "quantum"],
        ["run", "--db", "/tmp/x", "--threads", "0"],
        ["run", "--db", "/tmp/x", "--no-such-flag"],
        ["replay", "--archive", "/tmp/x", "--db", "/tmp/y", "--cross-block", "-1"],
        ["bench", "--scenario", "uniform", "--cross-block", "2000000"],
        ["fly"],
    ])
    func badArgumentsExitNonZeroWithOneLine(arguments: [String]) throws {
        let result = try TakeoffProcess.run(arguments)
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.hasPrefix("takeoff: ") == true)
    }

    @Test func anUnusableDatabaseDirectoryIsAnError() throws {
        let file = scratchPath("file")
        FileManager.default.createFile(atPath: file, contents: Data("not a directory".utf8))
        defer { try? FileManager.default.removeItem(atPath: file) }
        for db in [file, file + "/below-a-file", "/sys/kernel"] {
            let result = try TakeoffProcess.run(["run", "--db", db, "--blocks", "1", "--block-size", "1"])
            #expect(result.status != 0, "\(db)")
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(result.stderr.contains(db))
        }
    }

    @Test func aMalformedWorkloadFileIsAnError() throws {
        let trace = scratchPath("trace") + ".csv"
        let db = scratchPath("db")
        defer {
            try? FileManager.default.removeItem(atPath: trace)
            try? FileManager.default.removeItem(atPath: db)
        }
        FileManager.default.createFile(atPath: trace, contents: Data("block,tx_index\n1,2\n".utf8))
        let result = try TakeoffProcess.run(["run", "--db", db, "--workload", "mainnet", "--trace", trace])
        #expect(result.status != 0)
        #expect(result.stderr.contains(trace + ":1"))
        let missing = try TakeoffProcess.run(["run", "--db", db, "--workload", "mainnet", "--trace", trace + ".missing"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("cannot read"))
        #expect(!FileManager.default.fileExists(atPath: db + "/data.mdb"), "a bad workload must not touch the store")
    }

    @Test func theMainnetWorkloadRuns() throws {
        let db = scratchPath("mainnet")
        defer { try? FileManager.default.removeItem(atPath: db) }
        let trace = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/ethereum-mainnet/mainnet-85-blocks.csv.zst").path
        let result = try TakeoffProcess.runJSON(["--db", db, "--workload", "mainnet", "--trace", trace, "--blocks", "3", "--unsigned"])
        #expect(result["headBlock"] as? Int == 3)
        #expect((result["transactions"] as? Int ?? 0) > 0)
    }
}
