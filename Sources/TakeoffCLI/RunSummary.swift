import Foundation
import Takeoff

/// What `takeoff run` reports, as text or JSON.
struct RunSummary: Encodable {
    var workload: String
    var executor: String
    var blocks = 0
    var transactions = 0
    var succeeded = 0
    var failed = 0
    /// Execution and commit time: what `tps` divides by.
    var seconds = 0.0
    /// Time spent generating (and signing) transactions, not part of `tps`.
    var generationSeconds = 0.0
    var headBlock: UInt64 = 0
    var stateCommitment = ""
    var keys = 0
    var db = ""

    var tps: Double { seconds > 0 ? Double(transactions) / seconds : 0 }

    mutating func record(_ executed: ExecutedBlock, head: StoreHead) {
        blocks += 1
        transactions += executed.receipts.count
        let successes = executed.receipts.lazy.filter(\.status.isSuccess).count
        succeeded += successes
        failed += executed.receipts.count - successes
        headBlock = head.block
        stateCommitment = head.commitment.digest.hex
    }

    private enum CodingKeys: String, CodingKey {
        case workload, executor, blocks, transactions, succeeded, failed, seconds, generationSeconds, tps, headBlock,
            stateCommitment, keys, db
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(workload, forKey: .workload)
        try container.encode(executor, forKey: .executor)
        try container.encode(blocks, forKey: .blocks)
        try container.encode(transactions, forKey: .transactions)
        try container.encode(succeeded, forKey: .succeeded)
        try container.encode(failed, forKey: .failed)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(generationSeconds, forKey: .generationSeconds)
        try container.encode(tps, forKey: .tps)
        try container.encode(headBlock, forKey: .headBlock)
        try container.encode(stateCommitment, forKey: .stateCommitment)
        try container.encode(keys, forKey: .keys)
        try container.encode(db, forKey: .db)
    }

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func humanText() -> String {
        """
        Ran \(blocks) \(workload) blocks, \(transactions) transactions, with the \(executor) executor
          \(String(format: "%.0f", tps)) tx/s: \(String(format: "%.3f", seconds)) s executing and committing \
        (plus \(String(format: "%.3f", generationSeconds)) s generating)
          receipts: \(succeeded) succeeded, \(failed) failed
          head block \(headBlock), state commitment \(stateCommitment)
          store \(db): \(keys) keys
        """
    }
}
