import Foundation
import Testing

/// `takeoff bench --json` reports each block's measured speed-up beside the ideal one its dependencies allow.
@Suite struct BenchCommandTests {
    /// Runs one bench scenario over `accounts` accounts and returns its JSON object.
    private func bench(accounts: Int, scenario: String = "uniform", extra: [String] = []) throws -> [String: Any] {
        let result = try TakeoffProcess.run([
            "bench", "--json", "--scenario", scenario, "--accounts", "\(accounts)", "--block-size", "400", "--blocks", "3",
            "--repeats", "1", "--threads", "2",
        ] + extra)
        #expect(result.status == 0, "takeoff failed: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    /// The contract scenarios run on the parallel path and end where the sequential one does (bench fails when
    /// the commitments differ).
    @Test(arguments: ["wasm-token", "wasm-amm", "wasm-amm-hot"])
    func contractScenariosRunOnBothPaths(scenario: String) throws {
        let result = try bench(accounts: 300, scenario: scenario, extra: ["--no-fallback"])
        #expect(result["scenario"] as? String == scenario)
        #expect(result["parallelBlocks"] as? Int == 3, "\(result)")
        #expect(result["transactions"] as? Int == 1_200)
        #expect((result["ratio"] as? Double ?? 0) > 0)
    }

    @Test func twoAccountsChainEveryTransactionAndManyDoNot() throws {
        // Two accounts: every transfer reads what the one before wrote, so the block is one chain.
        let chained = try bench(accounts: 2)
        let chainedIdeal = try #require(chained["idealSpeedup"] as? Double)
        #expect(chainedIdeal < 1.1)
        let blocks = try #require(chained["perBlock"] as? [[String: Any]])
        #expect(blocks.count == 3)
        #expect(blocks.map { $0["block"] as? Int } == [1, 2, 3])
        for block in blocks {
            let ideal = try #require(block["idealSpeedup"] as? Double)
            let bound = try #require(block["criticalPathBound"] as? Double)
            let measured = try #require(block["measuredSpeedup"] as? Double)
            let efficiency = try #require(block["efficiency"] as? Double)
            #expect(ideal >= 1 && ideal <= bound + 0.001)
            #expect(abs(efficiency - measured / ideal) < 0.01)
        }
        // A hundred thousand accounts: transfers rarely meet, so two workers could nearly halve the time. (Not
        // quite 2: each cost is the least of three timings, and a transaction preempted in all three still
        // weighs more than it should when the machine is busy with other tests.)
        let spread = try bench(accounts: 100_000)
        let spreadIdeal = try #require(spread["idealSpeedup"] as? Double)
        #expect(spreadIdeal > 1.6 && spreadIdeal <= 2.0001)
        #expect(spread["efficiency"] is Double)
    }
}

/// `takeoff run --ideal-speedup` reports each block's ideal speed-up from the costs the executor measured.
@Suite struct RunIdealSpeedupTests {
    private func run(accounts: Int) throws -> [String: Any] {
        let directory = scratchPath("ideal-\(accounts)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try TakeoffProcess.runJSON([
            "--db", directory, "--unsigned", "--ideal-speedup", "--accounts", "\(accounts)", "--blocks", "3", "--block-size", "400",
            "--threads", "2",
        ])
    }

    @Test func aChainHasNoParallelismAndSpreadTransfersHaveSome() throws {
        // Two accounts: one chain whatever the costs, so exactly 1.
        let chained = try run(accounts: 2)
        #expect(try #require(chained["idealSpeedup"] as? Double) < 1.001)
        // A run times each transaction once: one the operating system preempted weighs like a long one, so
        // only "more than a chain" is certain on a busy machine (quiet, it is 1.9-2.0).
        let spread = try run(accounts: 100_000)
        let ideal = try #require(spread["idealSpeedup"] as? Double)
        #expect(ideal > 1.05 && ideal <= 2.0001)
        let blocks = try #require(spread["perBlock"] as? [[String: Any]])
        #expect(blocks.map { $0["block"] as? Int } == [1, 2, 3])
        for block in blocks {
            let estimated = try #require(block["estimatedSpeedup"] as? Double)
            let blockIdeal = try #require(block["idealSpeedup"] as? Double)
            let efficiency = try #require(block["efficiency"] as? Double)
            #expect(estimated > 0 && abs(efficiency - estimated / blockIdeal) < 0.01)
            #expect(["parallel", "sequential"].contains(block["path"] as? String))
        }
        // Without the flag, nothing is measured or reported.
        let directory = scratchPath("ideal-off")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plain = try TakeoffProcess.runJSON(["--db", directory, "--unsigned", "--blocks", "1", "--block-size", "100"])
        #expect(plain["perBlock"] == nil && plain["idealSpeedup"] == nil)
    }
}
