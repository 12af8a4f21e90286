import Foundation
import Testing

/// What a hostile or careless user does to the command line, and what must come of it: a clear error, a
/// non-zero exit, and nothing lost or created that should not be.
@Suite struct NothingLostTests {
    static let runArguments = ["--workload", "uniform", "--accounts", "200", "--block-size", "50", "--unsigned"]

    /// Every file under `root` with its size, to see that a command changed nothing.
    static func listing(_ root: String) -> [String: Int] {
        var files: [String: Int] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let name = enumerator?.nextObject() as? String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: root + "/" + name)
            files[name] = (attributes?[.size] as? Int) ?? -1
        }
        return files
    }

    @Test func snapshotExportNeverReplacesADirectory() throws {
        let root = scratchPath("export")
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try TakeoffProcess.runJSON(["--db", root + "/db", "--archive", root + "/archive", "--blocks", "2"] + Self.runArguments)
        let before = Self.listing(root)
        for target in [root, root + "/db", root + "/archive"] {
            let result = try TakeoffProcess.run(["snapshot", "export", "--db", root + "/db", "--out", target])
            #expect(result.status != 0, "\(target)")
            #expect(result.stderr.contains("is a directory"), "\(result.stderr)")
        }
        #expect(Self.listing(root) == before)
        // A regular file is replaced whole, and no temporary file is left behind.
        let file = root + "/state.snap"
        FileManager.default.createFile(atPath: file, contents: Data("old".utf8))
        #expect(try TakeoffProcess.run(["snapshot", "export", "--db", root + "/db", "--out", file]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)).count > 3)
        #expect(Set(Self.listing(root).keys).subtracting(before.keys) == ["state.snap"])
    }

    @Test func aSecondWriterIsRefusedWithTheFirstOnesName() throws {
        let root = scratchPath("writers")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let common = ["--db", root + "/db", "--archive", root + "/archive"] + Self.runArguments
        _ = try TakeoffProcess.runJSON(common + ["--blocks", "1"])
        let first = Process()
        first.executableURL = TakeoffProcess.executable
        // Slowed down by work per transaction, so that it is still running when the second writer comes.
        first.arguments = ["run"] + common + ["--blocks", "100000", "--work-per-tx", "20000"]
        first.standardOutput = Pipe()
        first.standardError = Pipe()
        try first.run()
        defer {
            first.terminate()
            first.waitUntilExit()
        }
        // Wait until the first run holds the locks (it has committed a block past the first run's).
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let head = try? TakeoffProcess.run(["inspect", "--db", root + "/db", "--json"])
            if let head, head.status == 0, !head.stdout.contains("\"headBlock\":1,") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let second = try TakeoffProcess.run(["run"] + common + ["--blocks", "1"])
        #expect(second.status != 0)
        #expect(second.stderr.contains("in use by another process (pid \(first.processIdentifier)"), "\(second.stderr)")
        let replay = try TakeoffProcess.run(["replay", "--archive", root + "/archive", "--db", root + "/db"])
        #expect(replay.status != 0)
        #expect(replay.stderr.contains("in use"))
        // Readers are never refused.
        #expect(try TakeoffProcess.run(["inspect", "--archive", root + "/archive"]).status == 0)
        first.terminate()
        first.waitUntilExit()
        // The archive the first writer left replays to its store's head exactly.
        let store = try ArchiveCommandTests.json(TakeoffProcess.run(["inspect", "--db", root + "/db", "--json"]))
        let head = try #require(store["headBlock"] as? Int)
        let rebuilt = try ArchiveCommandTests.json(
            TakeoffProcess.run(["replay", "--archive", root + "/archive", "--db", root + "/check", "--mode", "apply", "--to", "\(head)", "--json"]))
        #expect(rebuilt["stateCommitment"] as? String == store["stateCommitment"] as? String)
    }

    @Test(arguments: [
        (["--accounts", "1000000000000"], "--accounts"),
        (["--block-size", "1000000000"], "--block-size"),
        (["--work-per-tx", "1000000000"], "--work-per-tx"),
        (["--work-per-tx", "1000000", "--blocks", "1000", "--block-size", "10000"], "hours"),
        (["--blocks", "-1"], "--blocks must be at least 1, got -1"),
    ])
    func sizeArgumentsAreBoundedBeforeAnythingIsAllocated(arguments: [String], named: String) throws {
        let root = scratchPath("bounds")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try TakeoffProcess.run(["run", "--db", root, "--unsigned"] + arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(named), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root))
    }

    @Test func aFullStandardErrorDoesNotCrash() throws {
        let root = scratchPath("devfull")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for arguments in [["run", "--db", root, "--blocks", "0"], ["inspect", "--db", root + "/none"], ["run", "--db", root, "--blocks", "1"] + Self.runArguments] {
            let process = Process()
            process.executableURL = TakeoffProcess.executable
            process.arguments = arguments
            process.standardOutput = Pipe()
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit, "\(arguments)")
            #expect(process.terminationStatus == (arguments.contains("uniform") ? 0 : arguments.contains("inspect") ? 1 : 64), "\(arguments)")
        }
        // A full standard output is an error of its own.
        let process = Process()
        process.executableURL = TakeoffProcess.executable
        process.arguments = ["inspect", "--db", root]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 74)
        #expect(message.contains("cannot write to standard output"))
    }

    @Test func aSplitRunEqualsAnUninterruptedOne() throws {
        let whole = scratchPath("whole")
        let split = scratchPath("split")
        defer {
            try? FileManager.default.removeItem(atPath: whole)
            try? FileManager.default.removeItem(atPath: split)
        }
        for workload in ["uniform", "chain", "mix"] {
            let arguments = ["--workload", workload, "--accounts", "300", "--block-size", "70", "--unsigned", "--seed", "5"]
            let one = try TakeoffProcess.runJSON(["--db", whole + workload, "--blocks", "6"] + arguments)
            _ = try TakeoffProcess.runJSON(["--db", split + workload, "--blocks", "2"] + arguments)
            let two = try TakeoffProcess.runJSON(["--db", split + workload, "--blocks", "4"] + arguments)
            #expect(two["headBlock"] as? Int == 6)
            #expect(one["stateCommitment"] as? String == two["stateCommitment"] as? String, "\(workload)")
            try? FileManager.default.removeItem(atPath: whole + workload)
            try? FileManager.default.removeItem(atPath: split + workload)
        }
    }

    @Test func theMainnetTraceIsFoundFromAnyDirectoryAndDoesNotWrap() throws {
        let root = scratchPath("trace")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let process = Process()
        process.executableURL = TakeoffProcess.executable
        process.arguments = ["run", "--db", "db", "--workload", "mainnet", "--blocks", "2", "--unsigned", "--json"]
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["headBlock"] as? Int == 2)
        let past = try TakeoffProcess.run(["run", "--db", root + "/db", "--workload", "mainnet", "--blocks", "1000", "--unsigned"])
        #expect(past.status != 0)
        #expect(past.stderr.contains("the mainnet trace has") && past.stderr.contains("at most"), "\(past.stderr)")
    }

    @Test func readOnlyCommandsCreateNothing() throws {
        let root = scratchPath("readonly")
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try TakeoffProcess.runJSON(["--db", root + "/db", "--archive", root + "/archive", "--blocks", "1"] + Self.runArguments)
        let before = Self.listing(root)
        for arguments in [
            ["inspect", "--db", root + "/archive"],
            ["unwind", "--db", root + "/archive", "--to", "0"],
            ["snapshot", "export", "--db", root + "/archive", "--out", root + "/snap"],
            ["inspect", "--db", root + "/missing"],
            ["compact", "--archive", root + "/missing"],
            ["inspect", "--archive", root + "/db"],
            ["replay", "--archive", root + "/missing", "--db", root + "/replayed"],
        ] {
            let result = try TakeoffProcess.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.hasPrefix("takeoff: ") && result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
        #expect(Self.listing(root) == before)
        // An archive path that is a file is refused before the store is created.
        FileManager.default.createFile(atPath: root + "/file", contents: Data("x".utf8))
        let result = try TakeoffProcess.run(["run", "--db", root + "/new", "--archive", root + "/file", "--blocks", "1"] + Self.runArguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains("is a file"))
        #expect(!FileManager.default.fileExists(atPath: root + "/new"))
    }

    @Test func snapshotImportIntoAStoreThatIsNotEmptyBlamesTheStore() throws {
        let root = scratchPath("import")
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try TakeoffProcess.runJSON(["--db", root + "/db", "--blocks", "1"] + Self.runArguments)
        #expect(try TakeoffProcess.run(["snapshot", "export", "--db", root + "/db", "--out", root + "/snap"]).status == 0)
        let result = try TakeoffProcess.run(["snapshot", "import", "--in", root + "/snap", "--db", root + "/db"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("is not empty") && !result.stderr.contains("damaged"), "\(result.stderr)")
    }

    @Test func aDiskFullInTheStoreSaysSo() throws {
        let root = scratchPath("efbig")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try TakeoffProcess.runWithFileSizeLimit(kilobytes: 300, ["run", "--db", root, "--blocks", "50"] + Self.runArguments)
        let message = result.stderr
        #expect(result.status != 0)
        #expect(message.contains("file-size limit") || message.contains("disk is full"), "\(message)")
    }
}
