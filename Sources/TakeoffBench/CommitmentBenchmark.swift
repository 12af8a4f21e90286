import Dispatch
import Foundation
import TakeoffCore
import TakeoffWorkloads

/// `takeoff bench --commitment`: the state commitment alone, under every pair of kernels the processor can run, on
/// change sets shaped like a transfer block's (each changed account removed with its old value and added with its
/// new one: two pairs per changed key), on one core. Its figure per changed key is the one
/// `refbench commit` prints for C through OpenSSL.
public struct CommitmentBenchmark: Sendable {
    /// One pair of kernels' cost.
    public struct Result: Sendable, Encodable {
        public var commitmentKernels: String
        public var active: Bool
        public var changedKeys: Int
        public var nanosecondsPerChangedKey: Double
        public var nanosecondsPerPair: Double

        /// The figures as one row of `takeoff bench --commitment`'s table.
        public var row: String {
            commitmentKernels.padding(toLength: 24, withPad: " ", startingAt: 0)
                + String(format: "%8.0f ns per changed key  %6.0f ns per pair", nanosecondsPerChangedKey, nanosecondsPerPair)
                + (active ? "  (in use)" : "")
        }
    }

    /// Changed keys per batch: one core's share of a block (the commitment hashes larger change sets on every core).
    static let batchSize = 2_000

    public var accounts: Int
    public var changedKeys: Int
    public var repeats: Int

    /// A benchmark of `changedKeys` changed accounts among `accounts`, the best of `repeats` timings each.
    public init(accounts: Int, changedKeys: Int, repeats: Int) {
        self.accounts = accounts
        self.changedKeys = changedKeys
        self.repeats = repeats
    }

    /// Times every pair of kernels this processor can run (and requires them all to agree).
    public func run() -> [Result] {
        var generator = SeededGenerator(seed: 0xC0FF_EE00)
        let changes = (0..<changedKeys).map { _ -> StateChange in
            let account = Address(space: 0, index: UInt64.random(in: 0..<UInt64(accounts), using: &generator))
            let balance = UInt128(UInt64.random(in: 1_000_000..<2_000_000, using: &generator))
            let nonce = UInt64.random(in: 0..<1_000, using: &generator)
            return StateChange(
                key: .account(account), oldValue: .account(Account(balance: balance, nonce: nonce)),
                newValue: .account(Account(balance: balance - 21, nonce: nonce + 1)))
        }
        // Cut once, outside the timings: what is timed is the commitment alone.
        let batches = stride(from: 0, to: changes.count, by: Self.batchSize).map { Array(changes[$0..<min(changes.count, $0 + Self.batchSize)]) }
        var results: [Result] = []
        var reference: StateCommitment?
        for expansion in CommitmentKernels.Expansion.allCases where expansion.isSupported {
            for pairHash in CommitmentKernels.PairHash.allCases where pairHash.isSupported {
                let kernels = CommitmentKernels(expansion: expansion, pairHash: pairHash)
                var best = Double.infinity
                var commitment = StateCommitment.empty
                for _ in 0..<repeats {
                    commitment = .empty
                    let start = DispatchTime.now().uptimeNanoseconds
                    for batch in batches { commitment.apply(changes: batch, kernels: kernels) }
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start))
                }
                // Every kernel must agree; a benchmark of a wrong kernel would be worse than none.
                if let reference { precondition(commitment == reference, "the \(kernels) kernels disagree with the portable ones") }
                reference = reference ?? commitment
                results.append(
                    Result(
                        commitmentKernels: kernels.description, active: kernels == .active, changedKeys: changedKeys,
                        nanosecondsPerChangedKey: (best / Double(changedKeys)).rounded(),
                        nanosecondsPerPair: (best / Double(2 * changedKeys)).rounded()))
            }
        }
        return results
    }
}
