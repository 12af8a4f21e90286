import Foundation
import Testing
import Takeoff
@testable import TakeoffWorkloads

@Suite struct MainnetTraceTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/ethereum-mainnet/mainnet-85-blocks.csv.zst").path
    static let header = "block,tx_index,tx_hash,sender,recipient,kind,token,amount,value_wei,gas_limit,gas_used,status"
    static let row = "5,0,0xab,0x5df9b87991262f6ba471f09758cde1c0fc1de734,0x3b4f0dfecc7f68faecde1f645c33db963e1492f7,eth-transfer,,1,1,21000,21000,"

    @Test func theFixtureLoads() throws {
        let trace = try MainnetTrace(contentsOf: Self.fixture)
        #expect(trace.rows.count == 24_342)
        #expect(trace.blocks.count == 84)
        #expect(trace.rows.filter { $0.kind == .erc20Transfer }.count == 3_903)
        #expect(trace.rows.filter { $0.kind == .create }.count == 33)
        #expect(trace.rows.contains { $0.amount > UInt128.max / 2 })
    }

    @Test func theWholeTraceExecutesWithFailuresAsReceipts() throws {
        let trace = try MainnetTrace(contentsOf: Self.fixture)
        let (receipts, head) = try runWorkload(
            WorkloadConfiguration(kind: .mainnet, signed: false, trace: trace), blocks: 84, size: 0)
        #expect(receipts.count == 24_342)
        #expect(head.block == 84)
        #expect(!receipts.contains { $0.status == .badNonce })
        // Amounts near 2^128 fail as insufficient balance instead of trapping.
        #expect(receipts.contains { $0.status == .insufficientBalance })
        #expect(receipts.filter(\.status.isSuccess).count > 20_000)
    }

    @Test func signedMappingRenamesAccountsOneToOne() throws {
        let csv = [Self.header, Self.row, Self.row.replacingOccurrences(of: "5,0,", with: "6,0,")].joined(separator: "\n")
        let trace = try MainnetTrace(csv: csv)
        let (receipts, _) = try runWorkload(WorkloadConfiguration(kind: .mainnet, signed: true, trace: trace), blocks: 2, size: 0)
        #expect(receipts.map(\.status) == [.success, .success])
    }

    /// Damaged traces, each with the line its error must name.
    static let malformed: [(csv: String, line: Int)] = {
        let good = header + "\n" + row
        return [
            ("block,wrong,header", 1),
            (good + "\n5,1,0xab,0x12,0x34,eth-transfer,,1,1,21000,21000,", 3),
            (header + "\n" + row.replacingOccurrences(of: "eth-transfer", with: "teleport"), 2),
            (header + "\n" + row.replacingOccurrences(of: ",1,1,", with: ",1,x,"), 2),
            (header + "\n" + row.replacingOccurrences(of: ",21000,21000,", with: ",21000,"), 2),
            (header + "\n" + row.replacingOccurrences(of: ",1,1,", with: ",\(UInt128.max)0,1,"), 2),
            (header, 1),
        ]
    }()

    @Test(arguments: malformed.indices)
    func malformedTracesNameTheLine(index: Int) {
        let (csv, line) = Self.malformed[index]
        #expect {
            _ = try MainnetTrace(csv: csv, file: "trace.csv")
        } throws: { error in
            guard case .malformedTrace(let file, let reportedLine, _) = error as? WorkloadError else { return false }
            return file == "trace.csv" && reportedLine == line
        }
    }

    @Test func aCorruptCompressedTraceIsAnError() throws {
        let path = NSTemporaryDirectory() + "takeoff-trace-\(UUID().uuidString).csv.zst"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data([0x28, 0xB5, 0x2F, 0xFD, 1, 2, 3]).write(to: URL(fileURLWithPath: path))
        #expect(throws: WorkloadError.self) { try MainnetTrace(contentsOf: path) }
        #expect(throws: WorkloadError.unreadableFile("/no/such/trace.csv")) { try MainnetTrace(contentsOf: "/no/such/trace.csv") }
    }
}
