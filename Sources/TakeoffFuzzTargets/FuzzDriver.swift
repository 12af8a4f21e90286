import Foundation
import Takeoff

/// A small mutation driver for ``FuzzTargets``, for machines and test runs without libFuzzer: the corpus,
/// then inputs mutated from it with a seeded generator (so a failure can be replayed by its seed).
package enum FuzzDriver {
    /// Runs `target` ("codec" or "archive") on its corpus and `runs` mutated inputs.
    /// - Returns: the number of inputs run.
    @discardableResult
    package static func run(_ target: String, runs: Int, seed: UInt64) -> Int {
        let corpus = FuzzTargets.corpus(for: target)
        func body(_ input: [UInt8]) {
            if target == "codec" { FuzzTargets.transactionCodec(input) } else { FuzzTargets.archiveRecord(input) }
        }
        for input in corpus { body(input) }
        var state = seed
        func next() -> UInt64 {
            // SplitMix64.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for _ in 0..<runs {
            var input = corpus[Int(next() % UInt64(corpus.count))]
            for _ in 0..<(1 + next() % 4) {
                switch next() % 5 {
                case 0 where !input.isEmpty:
                    let position = Int(next() % UInt64(input.count))
                    input[position] ^= UInt8(1 << (next() % 8))
                case 1 where !input.isEmpty: input.removeLast(Int(next() % UInt64(input.count)))
                case 2: input.insert(UInt8(truncatingIfNeeded: next()), at: Int(next() % UInt64(input.count + 1)))
                case 3 where !input.isEmpty:
                    // A length or count field set to something large.
                    let position = Int(next() % UInt64(input.count))
                    input[position] = [0xFF, 0x7F, 0x80, 0x00][Int(next() % 4)]
                default: input = (0..<Int(next() % 200)).map { _ in UInt8(truncatingIfNeeded: next()) }
                }
            }
            body(input)
        }
        return corpus.count + runs
    }
}
