import Foundation
import Testing

@Suite struct ArchiveCommandTests {
    /// Runs blocks with an archive; returns (root, db, archive) paths.
    static func archivedRun(blocks: Int = 5, seed: Int = 1) throws -> (root: String, db: String, archive: String, commitment: String) {
        let root = scratchPath("archive")
        let result = try TakeoffProcess.runJSON([
            "--db", root + "/db", "--archive", root + "/archive", "--workload", "mix", "--accounts", "200", "--blocks", "\(blocks)",
            "--block-size", "60", "--unsigned", "--seed", "\(seed)",
        ])
        return (root, root + "/db", root + "/archive", try #require(result["stateCommitment"] as? String))
    }

    static func json(_ result: TakeoffProcess.Result) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test func replayInBothModesInspectAndUnwind() throws {
        let run = try Self.archivedRun()
        defer { try? FileManager.default.removeItem(atPath: run.root) }
        for mode in ["execute", "apply"] {
            let replay = try Self.json(TakeoffProcess.run(["replay", "--archive", run.archive, "--db", run.root + "/\(mode)", "--mode", mode, "--json"]))
            #expect(replay["stateCommitment"] as? String == run.commitment)
            #expect(replay["headBlock"] as? Int == 5)
            for field in ["fromBlock", "toBlock", "blocks", "transactions", "seconds", "tps", "verifiedBlocks"] {
                #expect(replay[field] != nil, "missing \(field)")
            }
            // Execute mode reports what the executor did; apply mode executes nothing.
            let metrics = replay["metrics"] as? [String: Any]
            if mode == "execute" {
                #expect(metrics?["incarnations"] as? Int ?? 0 >= 300)
                #expect((metrics?["parallelBlocks"] as? Int ?? 0) + (metrics?["sequentialBlocks"] as? Int ?? 0) == 5)
            } else {
                #expect(replay["metrics"] is NSNull)
            }
        }
        let archive = try Self.json(TakeoffProcess.run(["inspect", "--archive", run.archive, "--json"]))
        #expect(archive["blocks"] as? Int == 6)
        #expect(archive["transactions"] as? Int == 300)
        #expect((archive["compressionRatio"] as? Double ?? 0) > 1)
        let store = try Self.json(TakeoffProcess.run(["inspect", "--db", run.db, "--json"]))
        #expect(store["stateCommitment"] as? String == run.commitment)
        let unwound = try Self.json(TakeoffProcess.run(["unwind", "--db", run.db, "--to", "2", "--json"]))
        #expect(unwound["headBlock"] as? String == "2")
        let partial = try Self.json(TakeoffProcess.run(["replay", "--archive", run.archive, "--db", run.root + "/partial", "--to", "2", "--json"]))
        #expect(unwound["stateCommitment"] as? String == partial["stateCommitment"] as? String)
    }

    /// Contracts through the whole node: `run` archives blocks of WebAssembly swaps, and both replays rebuild the
    /// same state from the archive, execute mode re-running every contract call.
    @Test(arguments: ["wasm-token", "wasm-amm"])
    func contractWorkloadsReplayInBothModes(workload: String) throws {
        let root = scratchPath("contracts")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = try Self.json(TakeoffProcess.run([
            "run", "--db", root + "/db", "--archive", root + "/archive", "--workload", workload, "--accounts", "300",
            "--pools", "3", "--blocks", "4", "--block-size", "200", "--unsigned", "--json",
        ]))
        #expect(run["succeeded"] as? Int == 800, "every call succeeds")
        let commitment = try #require(run["stateCommitment"] as? String)
        for mode in ["execute", "apply"] {
            let replay = try Self.json(TakeoffProcess.run(["replay", "--archive", root + "/archive", "--db", root + "/\(mode)", "--mode", mode, "--json"]))
            #expect(replay["stateCommitment"] as? String == commitment, "\(workload), \(mode)")
            #expect(replay["headBlock"] as? Int == 4 && replay["blocks"] as? Int == 4, "\(workload), \(mode)")
        }
        // The archive kept every receipt's events: a transfer emits one, a swap three (two token moves and the swap).
        let listing = try Self.json(TakeoffProcess.run(["inspect", "--archive", root + "/archive", "--block", "2", "--json"]))
        let receipts = try #require(listing["receipts"] as? [[String: Any]])
        #expect(receipts.count == 200)
        let perCall = workload == "wasm-token" ? 1 : 3
        #expect(listing["events"] as? Int == 200 * perCall, "\(workload)")
        #expect(receipts.allSatisfy { ($0["events"] as? [Any])?.count == perCall }, "\(workload)")
        let first = try #require((receipts.first?["events"] as? [[String: Any]])?.first)
        #expect((first["emitter"] as? String)?.count == 42)
        // "Transfer" in ASCII, zero-padded to 32 bytes: how the example token names the event.
        #expect((first["topics"] as? [String])?.first == "5472616e73666572" + String(repeating: "0", count: 48))
        let text = try TakeoffProcess.run(["inspect", "--archive", root + "/archive", "--block", "1"])
        #expect(text.status == 0 && text.stdout.contains("event from 0x"), "\(text.stdout.prefix(300))")
        let missing = try TakeoffProcess.run(["inspect", "--archive", root + "/archive", "--block", "9"])
        #expect(missing.status != 0 && missing.stderr.contains("9"), "\(missing.stderr)")
        let withoutArchive = try TakeoffProcess.run(["inspect", "--db", root + "/db", "--block", "1"])
        #expect(withoutArchive.status != 0 && withoutArchive.stderr.contains("--block needs --archive"), "\(withoutArchive.stderr)")
    }

    /// `run --archive` appends nothing to an archive whose genesis state is damaged, naming the file; `inspect`
    /// reports it and fails; the store and the archive keep what they had.
    @Test func aRunRefusesAnArchiveWhoseGenesisIsDamagedAndInspectSaysSo() throws {
        let root = scratchPath("damaged-genesis")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let arguments = [
            "run", "--db", root + "/db", "--archive", root + "/archive", "--workload", "uniform", "--accounts", "300",
            "--block-size", "50", "--unsigned", "--json",
        ]
        #expect(try TakeoffProcess.run(arguments + ["--blocks", "2"]).status == 0)
        let genesis = root + "/archive/genesis.state"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: genesis)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: genesis))
        let healthy = try Self.json(TakeoffProcess.run(["inspect", "--db", root + "/db", "--json"]))

        let refused = try TakeoffProcess.run(arguments + ["--blocks", "2"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("genesis.state"), "\(refused.stderr)")
        let store = try Self.json(TakeoffProcess.run(["inspect", "--db", root + "/db", "--json"]))
        #expect(store["headBlock"] as? Int == 2 && store["stateCommitment"] as? String == healthy["stateCommitment"] as? String)

        let inspected = try TakeoffProcess.run(["inspect", "--archive", root + "/archive"])
        #expect(inspected.status != 0)
        #expect(inspected.stdout.contains("genesis: DAMAGED"), "\(inspected.stdout)")
        #expect(inspected.stderr.contains("no replay can start from this archive"), "\(inspected.stderr)")
    }

    /// The round trip of a trust anchor: `run` prints the head's hash, `replay`, `verify --archive` and `snapshot
    /// import` take it (inline or from a file) and say they checked it; a wrong one fails naming both hashes.
    @Test func aPublishedHeadHashIsAnAnchorForReplayVerifyAndImport() throws {
        let root = scratchPath("anchors")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = try TakeoffProcess.runJSON([
            "--db", root + "/db", "--archive", root + "/archive", "--workload", "uniform", "--accounts", "300", "--blocks", "3",
            "--block-size", "40", "--unsigned",
        ])
        let hash = try #require(run["headHash"] as? String)
        #expect(hash.count == 64)
        let anchor = "3:\(hash)"
        try "# published by the operator\n3 \(hash)\n".write(toFile: root + "/anchors.txt", atomically: true, encoding: .utf8)

        let replay = try Self.json(TakeoffProcess.run(["replay", "--archive", root + "/archive", "--db", root + "/replayed", "--anchor", anchor, "--json"]))
        #expect(replay["headHash"] as? String == hash)
        #expect((replay["anchorsChecked"] as? [[String: Any]])?.first?["hash"] as? String == hash)
        let verify = try Self.json(TakeoffProcess.run(["verify", "--archive", root + "/archive", "--anchors", root + "/anchors.txt", "--json"]))
        #expect((verify["anchorsChecked"] as? [[String: Any]])?.first?["block"] as? Int == 3)
        #expect(try TakeoffProcess.run(["snapshot", "export", "--db", root + "/replayed", "--out", root + "/snapshot"]).status == 0)
        let imported = try Self.json(TakeoffProcess.run([
            "snapshot", "import", "--in", root + "/snapshot", "--db", root + "/imported", "--anchors", root + "/anchors.txt",
            "--expect-commitment", try #require(run["stateCommitment"] as? String), "--json",
        ]))
        #expect(imported["headHash"] as? String == hash && imported["commitmentChecked"] as? Bool == true)

        let wrong = "3:" + String(repeating: "0", count: 64)
        for arguments in [
            ["replay", "--archive", root + "/archive", "--db", root + "/wrong", "--anchor", wrong],
            ["verify", "--archive", root + "/archive", "--anchor", wrong],
            ["snapshot", "import", "--in", root + "/snapshot", "--db", root + "/wrong-import", "--anchor", wrong],
        ] {
            let refused = try TakeoffProcess.run(arguments)
            #expect(refused.status != 0, "\(arguments)")
            #expect(refused.stderr.contains("is not the trusted anchor") && refused.stderr.contains(hash), "\(refused.stderr)")
        }
        let past = try TakeoffProcess.run(["replay", "--archive", root + "/archive", "--db", root + "/past", "--anchor", "9:\(hash)"])
        #expect(past.status != 0 && past.stderr.contains("past block 3"), "\(past.stderr)")
        let garbled = try TakeoffProcess.run(["verify", "--archive", root + "/archive", "--anchor", "three:\(hash)"])
        #expect(garbled.status != 0 && garbled.stderr.contains("not a block number"), "\(garbled.stderr)")
    }

    @Test func aRunCatchesTheStoreUpWithItsArchive() throws {
        let run = try Self.archivedRun(blocks: 2)
        defer { try? FileManager.default.removeItem(atPath: run.root) }
        // The store lost its last two blocks, as if killed between archiving and committing them: a copy of it
        // at block 2 stands in for it once the run has archived blocks 3 and 4.
        let copy = run.root + "/db-at-2"
        try FileManager.default.copyItem(atPath: run.db, toPath: copy)
        let arguments = ["run", "--archive", run.archive, "--workload", "mix", "--accounts", "200", "--block-size", "60", "--unsigned", "--json"]
        #expect(try TakeoffProcess.run(arguments + ["--db", run.db, "--blocks", "2"]).status == 0)
        let resumed = try TakeoffProcess.run(arguments + ["--db", copy, "--blocks", "1"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("applied archived blocks 3...4"))
        let head = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        #expect(head["headBlock"] as? Int == 5)
    }

    @Test func anUnwindIsNotUndoneByTheArchive() throws {
        let run = try Self.archivedRun(blocks: 4)
        defer { try? FileManager.default.removeItem(atPath: run.root) }
        let arguments = ["run", "--db", run.db, "--archive", run.archive, "--workload", "mix", "--accounts", "200", "--block-size", "60", "--unsigned", "--blocks", "1", "--json"]
        #expect(try TakeoffProcess.run(["unwind", "--db", run.db, "--to", "2"]).status == 0)
        let refused = try TakeoffProcess.run(arguments)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("unwound from block 4 to block 2") && refused.stderr.contains("--archive"), "\(refused.stderr)")
        let store = try Self.json(TakeoffProcess.run(["inspect", "--db", run.db, "--json"]))
        #expect(store["headBlock"] as? Int == 2)
        // Cutting the archive too lets runs carry on from block 2.
        let cut = try Self.json(TakeoffProcess.run(["unwind", "--db", run.db, "--to", "2", "--archive", run.archive, "--json"]))
        #expect(cut["archiveHeadBlock"] as? String == "2")
        let resumed = try Self.json(TakeoffProcess.run(arguments))
        #expect(resumed["headBlock"] as? Int == 3)
        let archive = try Self.json(TakeoffProcess.run(["inspect", "--archive", run.archive, "--json"]))
        #expect(archive["headBlock"] as? Int == 3)
    }

    @Test func aLostStoreIsRebuiltFromTheArchiveByTheNextRun() throws {
        let run = try Self.archivedRun(blocks: 3)
        defer { try? FileManager.default.removeItem(atPath: run.root) }
        try FileManager.default.removeItem(atPath: run.db)
        let arguments = ["run", "--db", run.db, "--archive", run.archive, "--workload", "mix", "--block-size", "60", "--unsigned", "--blocks", "1"]
        let resumed = try TakeoffProcess.run(arguments + ["--accounts", "200", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("applied archived blocks 1...3"))
        let head = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        #expect(head["headBlock"] as? Int == 4)
        #expect(head["failed"] as? Int == 0)
        // An archive from another genesis is refused, and the store stays untouched.
        let other = try TakeoffProcess.run(arguments.map { $0 == run.db ? run.root + "/other" : $0 } + ["--accounts", "300"])
        #expect(other.status != 0)
        #expect(other.stderr.contains("genesis"))
    }

    @Test func snapshotExportAndImportThenReplayTheRest() throws {
        let run = try Self.archivedRun(blocks: 4)
        defer { try? FileManager.default.removeItem(atPath: run.root) }
        let file = run.root + "/state.snap"
        _ = try TakeoffProcess.run(["unwind", "--db", run.db, "--to", "2"])
        let exported = try TakeoffProcess.run(["snapshot", "export", "--db", run.db, "--out", file])
        #expect(exported.status == 0, "\(exported.stderr)")
        let imported = try TakeoffProcess.run(["snapshot", "import", "--in", file, "--db", run.root + "/restored"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let rest = try Self.json(TakeoffProcess.run(["replay", "--archive", run.archive, "--db", run.root + "/restored", "--json"]))
        #expect(rest["fromBlock"] as? Int == 3)
        #expect(rest["stateCommitment"] as? String == run.commitment)
    }

    @Test func verifyChecksAStoreAndAnArchiveReadOnly() throws {
        let run = try Self.archivedRun(blocks: 3)
        defer { try? FileManager.default.removeItem(atPath: run.root) }
        let store = try Self.json(TakeoffProcess.run(["verify", "--db", run.db, "--json"]))
        #expect(store["headBlock"] as? Int == 3)
        #expect(store["stateCommitment"] as? String == run.commitment)
        #expect((store["keys"] as? Int ?? 0) > 200)
        let archive = try Self.json(TakeoffProcess.run(["verify", "--archive", run.archive, "--json"]))
        #expect(archive["blocks"] as? Int == 4 && archive["commitmentsChecked"] as? Int == 4)
        let segment = run.archive + "/segment-00000001.tko"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[bytes.count - 20] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let damaged = try TakeoffProcess.run(["verify", "--archive", run.archive])
        #expect(damaged.status != 0)
        #expect(damaged.stderr.contains("block 3") && damaged.stderr.contains("byte offset") && damaged.stderr.split(separator: "\n").count == 1)
        #expect(try TakeoffProcess.run(["verify", "--db", run.root + "/none"]).status != 0)
        #expect(!FileManager.default.fileExists(atPath: run.root + "/none"))
    }

    @Test func damagedInputEndsWithOneLineAndANonZeroExit() throws {
        let run = try Self.archivedRun(blocks: 3)
        defer { try? FileManager.default.removeItem(atPath: run.root) }
        let segment = run.archive + "/segment-00000001.tko"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[bytes.count - 20] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let replay = try TakeoffProcess.run(["replay", "--archive", run.archive, "--db", run.root + "/bad"])
        #expect(replay.status != 0)
        #expect(replay.stderr.split(separator: "\n").count == 1, "\(replay.stderr)")
        #expect(replay.stderr.contains("segment-00000001.tko") && replay.stderr.contains("block 3") && replay.stderr.contains("byte offset"))
        let store = try Self.json(TakeoffProcess.run(["inspect", "--db", run.root + "/bad", "--json"]))
        #expect(store["headBlock"] as? Int == 2)
        for arguments in [
            ["replay", "--archive", run.root + "/nowhere", "--db", run.root + "/x"],
            ["snapshot", "import", "--in", segment, "--db", run.root + "/y"],
            ["unwind", "--db", run.root + "/nowhere", "--to", "1"],
            ["inspect"],
            ["replay", "--archive", run.archive, "--db", run.root + "/z", "--from", "5", "--to", "2"],
        ] {
            let result = try TakeoffProcess.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
    }
}

@Suite struct FullDiskTests {
    /// A file-size limit stands in for a full disk: writes past it fail with EFBIG.
    @Test func aFullDiskStopsTheRunCleanlyAndLosesNothing() throws {
        let root = scratchPath("full")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let common = ["--db", root + "/db", "--archive", root + "/archive", "--accounts", "300", "--block-size", "200", "--unsigned"]
        let first = try TakeoffProcess.runJSON(common + ["--blocks", "2"])
        #expect(first["headBlock"] as? Int == 2)
        let limited = try TakeoffProcess.runWithFileSizeLimit(kilobytes: 400, ["run"] + common + ["--blocks", "200"])
        let message = limited.stderr
        #expect(limited.status != 0)
        #expect(message.split(separator: "\n").count == 1, "\(message)")
        // Whichever file hit the limit first (the archive segment: EFBIG, LMDB's data file: EIO), the
        // message names it.
        #expect(message.contains(root) && (message.contains("File too large") || message.contains("Input/output error")), "\(message)")
        // With room again, the same command carries on from wherever the failure left the store and archive.
        let resumed = try TakeoffProcess.runJSON(common + ["--blocks", "3"])
        let head = try #require(resumed["headBlock"] as? Int)
        #expect(head >= 5)
        let replay = try ArchiveCommandTests.json(
            TakeoffProcess.run(["replay", "--archive", root + "/archive", "--db", root + "/check", "--mode", "apply", "--json"]))
        #expect(replay["headBlock"] as? Int == head)
        #expect(replay["stateCommitment"] as? String == resumed["stateCommitment"] as? String)
    }
}

@Suite struct KillRecoveryTests {
    /// Kills a run at an arbitrary moment (SIGKILL, no chance to clean up), then checks that the next run
    /// carries on and that the archive replays to exactly the store's state.
    @Test(arguments: [0.3, 0.6, 0.9])
    func aKilledRunLosesNothing(delay: Double) throws {
        let root = scratchPath("kill")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let common = ["--db", root + "/db", "--archive", root + "/archive", "--accounts", "500", "--block-size", "300", "--unsigned"]
        let victim = Process()
        victim.executableURL = TakeoffProcess.executable
        victim.arguments = ["run"] + common + ["--blocks", "100000"]
        victim.standardOutput = Pipe()
        victim.standardError = Pipe()
        try victim.run()
        Thread.sleep(forTimeInterval: delay)
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        #expect(victim.terminationReason == .uncaughtSignal)

        let resumed = try TakeoffProcess.run(["run", "--json"] + common + ["--blocks", "2"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let head = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        let replay = try ArchiveCommandTests.json(
            TakeoffProcess.run(["replay", "--archive", root + "/archive", "--db", root + "/check", "--mode", "apply", "--json"]))
        #expect(replay["headBlock"] as? Int == head["headBlock"] as? Int)
        #expect(replay["stateCommitment"] as? String == head["stateCommitment"] as? String)
    }
}
