import Foundation
import Testing

/// The command-line contract of a range task: checkpoints from merged ranges, a replay of exactly blocks A...B from
/// one, one JSON line whatever happens, and exit statuses that separate a wrong history (2) from unusable input (3)
/// and from a failed machine (1).
@Suite struct RangeTaskCommandTests {
    static func object(_ text: String) throws -> [String: Any] {
        let line = try #require(text.split(separator: "\n").last(where: { $0.hasPrefix("{") }), "no JSON line in: \(text)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func aRangeReplaysFromACheckpointMadeOfMergedRanges() throws {
        let run = try ArchiveCommandTests.archivedRun(blocks: 8)
        defer { try? FileManager.default.removeItem(atPath: run.root) }
        let merged = try Self.object(TakeoffProcess.run(["range", "merge", "--archive", run.archive, "--from", "1", "--to", "4", "--out", run.root + "/1-4.tkr", "--json"]).stdout)
        #expect(merged["blocks"] as? Int == 4 && merged["transactions"] as? Int == 240)
        // The same range from two halves, combined.
        for (from, to) in [(1, 2), (3, 4)] {
            #expect(try TakeoffProcess.run(["range", "merge", "--archive", run.archive, "--from", "\(from)", "--to", "\(to)", "--out", run.root + "/\(from)-\(to).tkr"]).status == 0)
        }
        let combined = try Self.object(TakeoffProcess.run(["range", "combine", run.root + "/1-2.tkr", run.root + "/3-4.tkr", "--out", run.root + "/combined.tkr", "--json"]).stdout)
        #expect(combined["changedKeys"] as? Int == merged["changedKeys"] as? Int)
        #expect(combined["lastHash"] as? String == merged["lastHash"] as? String)

        let checkpoint = try Self.object(TakeoffProcess.run(["range", "apply", "--archive", run.archive, "--range", run.root + "/combined.tkr", "--out", run.root + "/state-4.snapshot", "--json"]).stdout)
        #expect(checkpoint["headBlock"] as? Int == 4)
        let partial = try ArchiveCommandTests.json(TakeoffProcess.run(["replay", "--archive", run.archive, "--db", run.root + "/partial", "--to", "4", "--json"]))
        #expect(checkpoint["stateCommitment"] as? String == partial["stateCommitment"] as? String)

        let task = try ArchiveCommandTests.json(TakeoffProcess.run([
            "replay", "--archive", run.archive, "--db", run.root + "/task", "--snapshot", run.root + "/state-4.snapshot", "--from", "5", "--to", "8",
            "--threads", "1", "--json",
        ]))
        #expect(task["fromBlock"] as? Int == 5 && task["toBlock"] as? Int == 8 && task["blocks"] as? Int == 4)
        #expect(task["stateCommitment"] as? String == run.commitment)

        // Reconstruct: the whole history merged, loaded into a new store.
        #expect(try TakeoffProcess.run(["range", "merge", "--archive", run.archive, "--from", "5", "--to", "8", "--out", run.root + "/5-8.tkr"]).status == 0)
        #expect(try TakeoffProcess.run(["range", "combine", run.root + "/combined.tkr", run.root + "/5-8.tkr", "--out", run.root + "/all.tkr"]).status == 0)
        let loaded = try Self.object(TakeoffProcess.run(["range", "apply", "--archive", run.archive, "--range", run.root + "/all.tkr", "--db", run.root + "/loaded", "--json"]).stdout)
        #expect(loaded["stateCommitment"] as? String == run.commitment)
        let verified = try ArchiveCommandTests.json(TakeoffProcess.run(["verify", "--db", run.root + "/loaded", "--json"]))
        #expect(verified["stateCommitment"] as? String == run.commitment)
    }

    @Test func exitStatusesSeparateAWrongHistoryFromUnusableInput() throws {
        let run = try ArchiveCommandTests.archivedRun(blocks: 6)
        let other = try ArchiveCommandTests.archivedRun(blocks: 6, seed: 2)
        defer {
            try? FileManager.default.removeItem(atPath: run.root)
            try? FileManager.default.removeItem(atPath: other.root)
        }
        // A block hash trusted from elsewhere that the archive does not have: the history is wrong (2), and the JSON
        // line names the block and both hashes.
        let wrongHash = String(repeating: "ab", count: 32)
        let mismatch = try TakeoffProcess.run(["replay", "--archive", run.archive, "--db", run.root + "/anchored", "--anchor", "3:\(wrongHash)", "--json"])
        #expect(mismatch.status == 2, "\(mismatch.stderr)")
        let mismatchLine = try Self.object(mismatch.stdout)
        #expect(mismatchLine["status"] as? String == "history-mismatch" && mismatchLine["block"] as? Int == 3)
        #expect(mismatchLine["archived"] as? String == wrongHash && (mismatchLine["computed"] as? String)?.count == 64)

        // A checkpoint of another history: refused before any block runs (3), naming block A-1 and both hashes.
        #expect(try TakeoffProcess.run(["range", "merge", "--archive", other.archive, "--from", "1", "--to", "3", "--out", run.root + "/other.tkr"]).status == 0)
        #expect(try TakeoffProcess.run(["range", "apply", "--archive", other.archive, "--range", run.root + "/other.tkr", "--out", run.root + "/other-3.snapshot"]).status == 0)
        let foreign = try TakeoffProcess.run([
            "replay", "--archive", run.archive, "--db", run.root + "/foreign", "--snapshot", run.root + "/other-3.snapshot", "--from", "4", "--json",
        ])
        #expect(foreign.status == 3, "\(foreign.stderr)")
        let foreignLine = try Self.object(foreign.stdout)
        #expect(foreignLine["status"] as? String == "bad-input" && foreignLine["block"] as? Int == 3 && foreignLine["field"] as? String == "block hash")
        #expect(foreign.stderr.contains("not the log's state at block 3"), "\(foreign.stderr)")
        // The other archive's range applied to this archive: its header for block 3 is not this archive's.
        let misapplied = try TakeoffProcess.run(["range", "apply", "--archive", run.archive, "--range", run.root + "/other.tkr", "--out", run.root + "/mixed.snapshot"])
        #expect(misapplied.status == 2 && !FileManager.default.fileExists(atPath: run.root + "/mixed.snapshot"), "\(misapplied.stderr)")

        // --from that does not follow the snapshot is a usage error; outputs that exist are never replaced; ranges out
        // of order, past the archive or damaged are unusable input.
        #expect(try TakeoffProcess.run(["range", "merge", "--archive", run.archive, "--from", "1", "--to", "3", "--out", run.root + "/1-3.tkr"]).status == 0)
        #expect(try TakeoffProcess.run(["range", "apply", "--archive", run.archive, "--range", run.root + "/1-3.tkr", "--out", run.root + "/state-3.snapshot"]).status == 0)
        let skipping = try TakeoffProcess.run(["replay", "--archive", run.archive, "--db", run.root + "/skipping", "--snapshot", run.root + "/state-3.snapshot", "--from", "5"])
        #expect(skipping.status == 64 && skipping.stderr.contains("does not follow the snapshot's head block 3"), "\(skipping.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: run.root + "/1-3.tkr"))
        let existing = try TakeoffProcess.run(["range", "merge", "--archive", run.archive, "--from", "4", "--to", "6", "--out", run.root + "/1-3.tkr"])
        #expect(existing.status == 3 && existing.stderr.contains("exists"), "\(existing.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: run.root + "/1-3.tkr")) == before)
        let past = try TakeoffProcess.run(["range", "merge", "--archive", run.archive, "--from", "4", "--to", "9", "--out", run.root + "/past.tkr"])
        #expect(past.status == 3 && past.stderr.contains("past the archive's last block 6"), "\(past.stderr)")
        #expect(try TakeoffProcess.run(["range", "merge", "--archive", run.archive, "--from", "5", "--to", "6", "--out", run.root + "/5-6.tkr"]).status == 0)
        let gap = try TakeoffProcess.run(["range", "combine", run.root + "/1-3.tkr", run.root + "/5-6.tkr", "--out", run.root + "/gap.tkr"])
        #expect(gap.status == 3 && gap.stderr.contains("does not follow"), "\(gap.stderr)")
        var damaged = [UInt8](try Data(contentsOf: URL(fileURLWithPath: run.root + "/5-6.tkr")))
        damaged[damaged.count / 2] ^= 0xff
        try Data(damaged).write(to: URL(fileURLWithPath: run.root + "/damaged.tkr"))
        let corrupt = try TakeoffProcess.run(["range", "apply", "--archive", run.archive, "--range", run.root + "/damaged.tkr", "--out", run.root + "/x.snapshot", "--json"])
        #expect(corrupt.status == 3 && corrupt.stderr.contains("damaged.tkr"), "\(corrupt.stderr)")
        #expect(try Self.object(corrupt.stdout)["status"] as? String == "bad-input")

        let help = try TakeoffProcess.run(["--help"])
        #expect(help.stdout.contains("Exit status: 0 done; 2 the history is wrong"), "\(help.stdout)")
    }
}
