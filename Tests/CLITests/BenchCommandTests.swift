import Foundation
import Testing

/// `takeoff bench --json` reports each block's measured speed-up beside the ideal one its dependencies allow.
@Suite struct BenchCommandTests {
    /// Runs one bench scenario over `accounts` accounts and returns its JSON object.
    private func bench(accounts: Int) throws -> [String: Any] {
        let result = try TakeoffProcess.run([
            "bench", "--json", "--scenario", "uniform", "--accounts", "\(accounts)", "--block-size", "400", "--blocks", "3",
            "--repeats", "1", "--threads", "2",
        ])
        #expect(result.status == 0, "takeoff failed: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: Any])
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
        // A hundred thousand accounts: transfers rarely meet, so two workers could nearly halve the time.
        let spread = try bench(accounts: 100_000)
        let spreadIdeal = try #require(spread["idealSpeedup"] as? Double)
        #expect(spreadIdeal > 1.8 && spreadIdeal <= 2.0001)
        #expect(spread["efficiency"] is Double)
    }
}
