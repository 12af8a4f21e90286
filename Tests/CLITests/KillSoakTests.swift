import Foundation
import Testing

/// Kills `takeoff run` and `takeoff replay` again and again at random moments (SIGKILL: no chance to clean
/// up), restarting each time, and checks that the end is exactly what an uninterrupted command gives.
///
/// `TAKEOFF_KILLS` sets the number of kills per command (20 by default, so that `make test` stays quick;
/// raise it for a soak), `TAKEOFF_KILL_SEED` the seed of the random moments (printed in every failure).
@Suite(.serialized) struct KillSoakTests {
    static let kills = Int(ProcessInfo.processInfo.environment["TAKEOFF_KILLS"] ?? "") ?? 20
    static let seed = UInt64(ProcessInfo.processInfo.environment["TAKEOFF_KILL_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)

    /// A generator of kill delays that a seed reproduces (SplitMix64).
    struct Delays {
        var state: UInt64

        /// A delay in `range` seconds.
        mutating func next(in range: ClosedRange<Double>) -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            mixed ^= mixed >> 31
            return range.lowerBound + Double(mixed >> 11) / Double(1 << 53) * (range.upperBound - range.lowerBound)
        }
    }

    /// Starts `arguments`, kills it after `delay` seconds, and says whether it was still running then.
    static func killed(_ arguments: [String], after delay: Double) throws -> Bool {
        let victim = Process()
        victim.executableURL = TakeoffProcess.executable
        victim.arguments = arguments
        victim.standardOutput = FileHandle.nullDevice
        victim.standardError = FileHandle.nullDevice
        try victim.run()
        Thread.sleep(forTimeInterval: delay)
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        return victim.terminationReason == .uncaughtSignal
    }

    @Test func aRunKilledAgainAndAgainEndsAsAnUninterruptedOne() throws {
        let root = scratchPath("kill-run")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let common = ["--accounts", "500", "--block-size", "200", "--unsigned", "--commit-blocks", "4"]
        var delays = Delays(state: Self.seed)
        var kills = 0
        for _ in 0..<Self.kills {
            let run = ["run", "--db", root + "/db", "--archive", root + "/archive", "--blocks", "100000"] + common
            if try Self.killed(run, after: delays.next(in: 0.05...0.6)) { kills += 1 }
        }
        #expect(kills == Self.kills, "seed \(Self.seed): every run was still going when killed")
        let last = try ArchiveCommandTests.json(
            TakeoffProcess.run(["run", "--json", "--db", root + "/db", "--archive", root + "/archive", "--blocks", "1"] + common))
        let head = try #require(last["headBlock"] as? Int)
        #expect(head > 1, "seed \(Self.seed): the killed runs made progress")

        let reference = try ArchiveCommandTests.json(
            TakeoffProcess.run(["run", "--json", "--db", root + "/reference", "--blocks", "\(head)"] + common))
        #expect(reference["headBlock"] as? Int == head)
        #expect(reference["stateCommitment"] as? String == last["stateCommitment"] as? String, "seed \(Self.seed)")
        let replayed = try ArchiveCommandTests.json(
            TakeoffProcess.run(["replay", "--json", "--archive", root + "/archive", "--db", root + "/replayed", "--mode", "apply"]))
        #expect(replayed["headBlock"] as? Int == head)
        #expect(replayed["stateCommitment"] as? String == last["stateCommitment"] as? String, "seed \(Self.seed)")
    }

    @Test func aReplayKilledAgainAndAgainEndsAtTheArchivesHead() throws {
        let root = scratchPath("kill-replay")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let source = try ArchiveCommandTests.json(
            TakeoffProcess.run([
                "run", "--json", "--db", root + "/source", "--archive", root + "/archive", "--accounts", "500", "--blocks", "60",
                "--block-size", "200", "--unsigned",
            ]))
        var delays = Delays(state: Self.seed ^ 0x5EED)
        for kill in 0..<Self.kills {
            // Alternate the modes: both commit in windows, and each may resume what the other left.
            let mode = kill % 2 == 0 ? "execute" : "apply"
            let replay = ["replay", "--archive", root + "/archive", "--db", root + "/db", "--mode", mode, "--window", "3"]
            _ = try Self.killed(replay, after: delays.next(in: 0.02...0.4))
        }
        let finished = try ArchiveCommandTests.json(
            TakeoffProcess.run(["replay", "--json", "--archive", root + "/archive", "--db", root + "/db", "--mode", "execute"]))
        #expect(finished["headBlock"] as? Int == source["headBlock"] as? Int, "seed \(Self.seed)")
        #expect(finished["stateCommitment"] as? String == source["stateCommitment"] as? String, "seed \(Self.seed)")
        let verified = try TakeoffProcess.run(["verify", "--db", root + "/db"])
        #expect(verified.status == 0, "seed \(Self.seed): \(verified.stderr)")
    }
}
