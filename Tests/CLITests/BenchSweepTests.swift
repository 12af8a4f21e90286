import Foundation
import Testing

/// `takeoff bench --sweep` writes its data, its Markdown table and its plots into a new directory, and never
/// over an earlier sweep's files.
@Suite struct BenchSweepTests {
    @Test func aSmallSweepWritesEveryFileAndRefusesToOverwriteThem() throws {
        let directory = scratchPath("sweep")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = [
            "bench", "--sweep", "--output", directory, "--sweep-threads", "1,2", "--sweep-accounts", "2,1000", "--sweep-work", "0,5",
            "--blocks", "1", "--block-size", "200", "--repeats", "1",
        ]
        let result = try TakeoffProcess.run(arguments)
        #expect(result.status == 0, "takeoff failed: \(result.stderr)")
        #expect(!result.stderr.contains("no plots"), "the plots were not drawn (make plot-tools installs matplotlib): \(result.stderr)")

        // 3 contention levels (2 accounts, 1000 accounts, the hot spot) × 2 work levels × 2 thread counts, and the trace at each.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/sweep.json")))
        let points = try #require((json as? [String: Any])?["points"] as? [[String: Any]])
        #expect(points.count == 3 * 2 * 2 + 2)
        for point in points {
            let ideal = try #require(point["idealSpeedup"] as? Double)
            let threads = try #require(point["threads"] as? Int)
            #expect(ideal >= 0.999 && ideal <= Double(threads) + 0.001, "\(point)")
            #expect(point["parallelBlockLatency"] is [String: Any])
        }
        // Two accounts chain every transfer: no worker count helps.
        let chained = points.filter { $0["contention"] as? String == "2 accounts" }
        #expect(chained.allSatisfy { ($0["idealSpeedup"] as? Double ?? 9) < 1.1 })

        let csv = try String(contentsOfFile: directory + "/sweep.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 1 + points.count)
        #expect(csv.first?.hasPrefix("contention,accounts,hotspot_share,work_us") == true)
        let blocks = try String(contentsOfFile: directory + "/mainnet-blocks.csv", encoding: .utf8).split(separator: "\n")
        let traceBlocks = try #require(points.first { $0["contention"] as? String == "mainnet" }?["blocks"] as? Int)
        #expect(traceBlocks > 10 && blocks.count == 1 + 2 * traceBlocks)

        let table = try String(contentsOfFile: directory + "/sweep.md", encoding: .utf8)
        #expect(table.contains("| 1000 accounts |") && table.contains("## Mainnet trace"))
        #expect(result.stdout == table + "\n")

        for plot in ["speedup-vs-threads", "speedup-vs-work", "mainnet-blocks"] {
            let png = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(plot).png"))
            #expect(png.count > 10_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(plot).png")
            let svg = try String(contentsOfFile: "\(directory)/\(plot).svg", encoding: .utf8)
            #expect(svg.count > 10_000 && svg.contains("<svg"), "\(plot).svg")
        }

        let before = try Data(contentsOf: URL(fileURLWithPath: directory + "/sweep.csv"))
        let again = try TakeoffProcess.run(arguments)
        #expect(again.status != 0)
        #expect(again.stderr.contains("exists already"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/sweep.csv")) == before)
    }

    @Test func aSweepNeedsAnOutputAndSaneLists() throws {
        for arguments in [
            ["bench", "--sweep"], ["bench", "--sweep", "--output", scratchPath("x"), "--sweep-threads", "0,2"],
            ["bench", "--sweep", "--output", scratchPath("x"), "--sweep-accounts", "1"],
            ["bench", "--sweep", "--output", scratchPath("x"), "--sweep-work", "two"],
        ] {
            let result = try TakeoffProcess.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains("--sweep") || result.stderr.contains("two"), "\(arguments): \(result.stderr)")
        }
    }
}
