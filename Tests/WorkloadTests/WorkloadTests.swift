import Foundation
import Testing
import Takeoff
@testable import TakeoffWorkloads

/// Runs generated blocks through the sequential executor over an in-memory state.
func runWorkload(_ configuration: WorkloadConfiguration, blocks: Int, size: Int) throws -> (receipts: [Receipt], head: StoreHead) {
    let generator = try WorkloadGenerator(configuration)
    var state = InMemoryState(Dictionary(generator.genesis(), uniquingKeysWith: { first, _ in first }))
    var head = StoreHead(block: 0, blockHash: .zero, commitment: state.commitment)
    let executor = SequentialExecutor(logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: configuration.signed))
    var receipts: [Receipt] = []
    for _ in 0..<blocks {
        let executed = try executor.execute(
            generator.nextBlock(size: size), context: generator.context(number: head.block + 1), parent: head, state: state)
        state.apply(executed.changeSet)
        head = executed.head
        receipts += executed.receipts
    }
    return (receipts, head)
}

@Suite struct WorkloadTests {
    static let generatedKinds: [WorkloadKind] = [.uniform, .zipf, .hotspot, .chain, .mix]

    @Test(arguments: generatedKinds)
    func sameSeedSameBlocksOtherSeedOtherBlocks(kind: WorkloadKind) throws {
        func blocks(seed: UInt64) throws -> [[BuiltinTransaction]] {
            let generator = try WorkloadGenerator(WorkloadConfiguration(kind: kind, accounts: 300, seed: seed, signed: false))
            return (0..<3).map { _ in generator.nextBlock(size: 50) }
        }
        #expect(try blocks(seed: 5) == blocks(seed: 5))
        #expect(try blocks(seed: 5) != blocks(seed: 6))
    }

    @Test(arguments: generatedKinds)
    func generatedTransactionsPassTheEnvelopeAndMostlySucceed(kind: WorkloadKind) throws {
        let (receipts, _) = try runWorkload(WorkloadConfiguration(kind: kind, accounts: 200, seed: 3, signed: false), blocks: 4, size: 100)
        #expect(receipts.count == 400)
        // The generator tracks nonces and funds every account: no envelope failure is possible.
        #expect(!receipts.contains { [.badNonce, .insufficientFee, .badSignature].contains($0.status) })
        let successes = receipts.filter(\.status.isSuccess).count
        #expect(kind == .mix ? successes > 300 : successes == 400, "\(kind): \(successes) of 400 succeeded")
    }

    /// Streamed or built whole, a workload's genesis chunks hold ``WorkloadGenerator/genesis()`` in key order,
    /// none larger than asked.
    @Test(arguments: [(WorkloadKind.uniform, false), (.zipf, false), (.chain, false), (.mix, false), (.uniform, true)])
    func genesisChunksHoldTheGenesisInKeyOrder(kind: WorkloadKind, signed: Bool) throws {
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: kind, accounts: 1_000, seed: 2, signed: signed))
        let chunks = Array(generator.genesisChunks(size: 96))
        let whole = generator.genesis()
        #expect(chunks.count == (whole.count + 95) / 96)
        #expect(chunks.allSatisfy { !$0.isEmpty && $0.count <= 96 })
        let streamed = chunks.joined().map { $0 }
        let sorted = whole.sorted { $0.0 < $1.0 }
        #expect(streamed.map(\.0) == sorted.map(\.0))
        #expect(streamed.map(\.1) == sorted.map(\.1))
        var builder = GenesisBuilder()
        for chunk in chunks { try builder.add(chunk) }
        #expect(builder.finish() == Genesis(entries: whole).summary)
    }

    @Test func signedWorkloadsVerify() throws {
        let (receipts, _) = try runWorkload(WorkloadConfiguration(kind: .uniform, accounts: 50, seed: 1, signed: true), blocks: 2, size: 40)
        #expect(receipts.allSatisfy { $0.status == .success })
    }

    @Test func sameSeedSameCommitment() throws {
        let configuration = WorkloadConfiguration(kind: .mix, accounts: 100, seed: 11, signed: false)
        let first = try runWorkload(configuration, blocks: 3, size: 80).head
        let second = try runWorkload(configuration, blocks: 3, size: 80).head
        #expect(first == second)
        var other = configuration
        other.seed = 12
        #expect(try runWorkload(other, blocks: 3, size: 80).head.commitment != first.commitment)
    }

    @Test func chainTransactionsEachDependOnThePreviousOne() throws {
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .chain, accounts: 100, signed: false))
        let block = generator.nextBlock(size: 20)
        for (previous, next) in zip(block, block.dropFirst()) {
            guard case .transfer(let to, _) = previous.payload else { Issue.record("not a transfer"); continue }
            #expect(next.sender == to)
        }
    }

    @Test func zipfFavoursLowRanks() {
        let zipf = ZipfDistribution(count: 1_000, exponent: 1.0)
        var random = SeededGenerator(seed: 1)
        let draws = (0..<10_000).map { _ in zipf.sample(using: &random) }
        #expect(draws.allSatisfy { (0..<1_000).contains($0) })
        #expect(draws.filter { $0 == 0 }.count > draws.filter { $0 == 500 }.count * 50)
    }

    /// The sampler's frequencies match the exact probabilities 1 / (rank + 1)^s / H(n, s), at the top ranks
    /// and in the tail, for several exponents; one rank always draws it.
    @Test(arguments: [0.6, 1.0, 1.5])
    func zipfMatchesItsProbabilities(exponent: Double) {
        let count = 1_000
        let zipf = ZipfDistribution(count: count, exponent: exponent)
        var random = SeededGenerator(seed: 9)
        let draws = 400_000
        var frequency = [Int](repeating: 0, count: count)
        for _ in 0..<draws { frequency[zipf.sample(using: &random)] += 1 }
        let weights = (0..<count).map { 1 / pow(Double($0 + 1), exponent) }
        let total = weights.reduce(0, +)
        func check(_ ranks: Range<Int>) {
            let expected = ranks.map { weights[$0] }.reduce(0, +) / total
            let observed = Double(ranks.map { frequency[$0] }.reduce(0, +)) / Double(draws)
            // Six standard deviations of a binomial share.
            let tolerance = 6 * (expected * (1 - expected) / Double(draws)).squareRoot()
            #expect(abs(observed - expected) <= tolerance, "ranks \(ranks): \(observed) against \(expected)")
        }
        for rank in 0..<5 { check(rank..<rank + 1) }
        check(5..<50)
        check(50..<500)
        check(500..<count)
        var one = SeededGenerator(seed: 1)
        #expect((0..<100).allSatisfy { _ in ZipfDistribution(count: 1, exponent: exponent).sample(using: &one) == 0 })
    }

    @Test func invalidSettingsAreErrors() {
        #expect(throws: WorkloadError.self) { try WorkloadGenerator(WorkloadConfiguration(kind: .uniform, accounts: 1)) }
        #expect(throws: WorkloadError.self) { try WorkloadGenerator(WorkloadConfiguration(kind: .mainnet)) }
        #expect(throws: WorkloadError.self) { try WorkloadGenerator(WorkloadConfiguration(kind: .hotspot, hotFraction: 2)) }
    }
}
