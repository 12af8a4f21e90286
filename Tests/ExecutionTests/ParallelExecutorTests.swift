import Testing
@testable import Takeoff
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore
import TakeoffWorkloads

@Suite struct ParallelExecutorTests {
    static let options = ExecutionOptions(verifySignatures: false)
    static let accounts = (0..<64).map { Address(space: 0x51, index: UInt64($0)) }
    static let hot = Address(space: 0x52, index: 0)
    static let collector = Address(space: 0xFEE, index: 0)

    static var state: InMemoryState {
        InMemoryState(Dictionary(uniqueKeysWithValues: accounts.map { (StateKey.account($0), StateValue.account(Account(balance: 1_000_000))) }))
    }

    static func head(_ state: InMemoryState) -> StoreHead { state.genesis.head }
    static let context = BlockContext(number: 1, timestamp: 0, feeCollector: collector)

    /// Every transaction pays the same hot account: full contention on one key.
    static func contendedBlock(size: Int) -> [BuiltinTransaction] {
        (0..<size).map { index in
            BuiltinTransaction(
                sender: accounts[index % accounts.count], nonce: UInt64(index / accounts.count), fee: 3, gasLimit: 21_000,
                payload: .transfer(to: hot, amount: UInt128(index + 1)))
        }
    }

    @Test func fullContentionIsDeterministicWithMoreThreadsThanCores() throws {
        let state = Self.state
        let block = Self.contendedBlock(size: 500)
        let reference = try SequentialExecutor(logic: BuiltinTransactionLogic(), options: Self.options)
            .execute(block, context: Self.context, parent: Self.head(state), state: state)
        // No cap on re-executions either: under ThreadSanitizer (about 10 times slower, threads interleaved
        // differently) sixteen workers on one hot account re-execute far more, and a fallback would prove nothing.
        var policy = FallbackPolicy.alwaysParallel
        policy.maximumIncarnationsPerTransaction = .max
        let executor = ParallelExecutor(logic: BuiltinTransactionLogic(), options: Self.options, threads: 16, policy: policy)
        for run in 0..<25 {
            let parallel = try executor.execute(block, context: Self.context, parent: Self.head(state), state: state)
            #expect(parallel.metrics.path == .parallel, "run \(run): \(parallel.metrics.reason)")
            #expect(parallel.metrics.incarnations >= block.count)
            #expect(parallel.header == reference.header, "run \(run)")
            #expect(parallel.receipts == reference.receipts, "run \(run)")
            #expect(parallel.changeSet == reference.changeSet, "run \(run)")
        }
    }

    @Test func smallBlocksAndChainsRunSequentiallyAndSayWhy() throws {
        let state = Self.state
        let executor = ParallelExecutor(logic: BuiltinTransactionLogic(), options: Self.options, threads: 2)
        let small = try executor.execute(Self.contendedBlock(size: 10), context: Self.context, parent: Self.head(state), state: state)
        #expect(small.metrics.path == .sequential)
        #expect(small.metrics.reason.hasPrefix("small block"))
        let chain = try executor.execute(Self.contendedBlock(size: 300), context: Self.context, parent: Self.head(state), state: state)
        #expect(chain.metrics.path == .sequential)
        #expect(chain.metrics.reason.hasPrefix("dependency chain"))
        let single = try ParallelExecutor(logic: BuiltinTransactionLogic(), options: Self.options, threads: 1)
            .execute(Self.contendedBlock(size: 300), context: Self.context, parent: Self.head(state), state: state)
        #expect(single.metrics.reason == "one thread")
    }

    @Test func independentTransfersRunInParallelAndFeesDoNotSerialize() throws {
        let state = Self.state
        // Disjoint pairs: every transaction pays the fee collector, yet nothing conflicts.
        let block = (0..<32).map { pair in
            BuiltinTransaction(sender: Self.accounts[2 * pair], nonce: 0, fee: 7, gasLimit: 21_000, payload: .transfer(to: Self.accounts[2 * pair + 1], amount: 5))
        } + (0..<32).map { pair in
            BuiltinTransaction(sender: Self.accounts[2 * pair + 1], nonce: 0, fee: 7, gasLimit: 21_000, payload: .transfer(to: Self.accounts[(2 * pair + 2) % 64], amount: 5))
        }
        let executor = ParallelExecutor(logic: BuiltinTransactionLogic(), options: Self.options, threads: 2)
        let executed = try executor.execute(block, context: Self.context, parent: Self.head(state), state: state)
        #expect(executed.metrics.path == .parallel)
        #expect(executor.criticalPathLength(block[...]) == 2)
        #expect(executed.receipts.allSatisfy { $0.status == .success })
        let collector = executed.changeSet.changes.first { $0.key == .account(Self.collector) }
        #expect(collector?.newValue == .account(Account(balance: 7 * 64)))
    }

    @Test func theAdaptivePolicyPrefersTheFasterPathAndProbesTheOther() {
        let history = PathHistory()
        let cheap = PathHistory.Profile(transactions: 10_000, meanGas: 21_000, parallelism: 5_000)
        #expect(history.choose(for: cheap).path == .parallel)  // nothing known: try parallel
        history.record(.parallel, profile: cheap, seconds: 2, transactions: 10_000)
        #expect(history.choose(for: cheap) == (.sequential, .measuringSequential))
        history.record(.sequential, profile: cheap, seconds: 1, transactions: 10_000)
        // Parallel is slower: it runs only as a probe, and probes back off while they confirm the choice.
        var parallelRuns: [Int] = []
        for block in 0..<64 where history.choose(for: cheap).path == .parallel {
            parallelRuns.append(block)
            history.record(.parallel, profile: cheap, seconds: 2, transactions: 10_000)
        }
        #expect(parallelRuns == [7, 23, 55], "probes every 8, 16, 32 blocks: \(parallelRuns)")
        // Another kind of block (heavy transactions) is judged on its own measurements.
        let heavy = PathHistory.Profile(transactions: 10_000, meanGas: 200_000, parallelism: 5_000)
        #expect(heavy != cheap)
        // Declared gas is the sender's to choose: the largest still makes a profile.
        let absurd = PathHistory.Profile(transactions: 10_000, meanGas: Double(UInt64.max), parallelism: .infinity)
        #expect(absurd.gasClass == 63 && absurd.parallelismClass == 63)
        #expect(history.choose(for: heavy).path == .parallel)

        // A probe that finds the other path now faster overturns the choice at once.
        let faster = PathHistory()
        faster.record(.parallel, profile: cheap, seconds: 1, transactions: 10_000)
        faster.record(.sequential, profile: cheap, seconds: 2, transactions: 10_000)
        var probedAt: Int?
        for block in 0..<8 where probedAt == nil {
            let choice = faster.choose(for: cheap)
            if choice.path == .sequential {
                probedAt = block
                #expect(choice.reason == .probingSequential)
                faster.record(.sequential, profile: cheap, seconds: 0.2, transactions: 10_000)  // traffic changed
            } else {
                faster.record(.parallel, profile: cheap, seconds: 1, transactions: 10_000)
            }
        }
        #expect(probedAt == 7)
        if case .parallelSlower = faster.choose(for: cheap).reason {} else { Issue.record("sequential should now be preferred") }
    }

    @Test func aNewKindOfBlockSkipsTheSequentialMeasurementWhenParallelClearlyWins() {
        let history = PathHistory()
        let known = PathHistory.Profile(transactions: 1_000, meanGas: 100_000, parallelism: 500)
        history.record(.sequential, profile: known, seconds: 1, transactions: 1_000, gas: 1e8)  // 10 ns per gas
        let new = PathHistory.Profile(transactions: 100, meanGas: 100_000, parallelism: 50)
        #expect(history.choose(for: new, transactions: 100, gas: 1e7).path == .parallel)
        history.record(.parallel, profile: new, seconds: 0.02, transactions: 100, gas: 1e7)  // 0.2 ms a transaction against 1 ms predicted
        #expect(history.choose(for: new, transactions: 100, gas: 1e7).path == .parallel)
        // Close to the prediction: measured rather than assumed.
        let close = PathHistory.Profile(transactions: 100, meanGas: 100_000, parallelism: 2)
        _ = history.choose(for: close, transactions: 100, gas: 1e7)
        history.record(.parallel, profile: close, seconds: 0.09, transactions: 100, gas: 1e7)
        #expect(history.choose(for: close, transactions: 100, gas: 1e7) == (.sequential, .measuringSequential))
    }

    @Test func theReexecutionCapFallsBackWithTheSameResult() throws {
        let state = Self.state
        let block = Self.contendedBlock(size: 200)
        var policy = FallbackPolicy.alwaysParallel
        policy.maximumIncarnationsPerTransaction = 0  // the cap is then its floor, 16 executions
        let capped = try ParallelExecutor(logic: BuiltinTransactionLogic(), options: Self.options, threads: 4, policy: policy)
            .execute(block, context: Self.context, parent: Self.head(state), state: state)
        let reference = try SequentialExecutor(logic: BuiltinTransactionLogic(), options: Self.options)
            .execute(block, context: Self.context, parent: Self.head(state), state: state)
        #expect(capped.metrics.path == .sequential)
        #expect(capped.metrics.reason.hasPrefix("re-execution cap"))
        #expect(capped.header == reference.header)
        #expect(capped.receipts == reference.receipts)
    }

    /// A chain team's logic without conflict hints: an append-only log per kind, read and written.
    struct LogLogic: TransactionLogic {
        static let logFull = ReceiptStatus(rawValue: 101)
        let rules = NoteRules()

        func execute(
            _ transaction: NoteTransaction, in block: BlockContext, state: inout TransactionState
        ) throws(ExecutionInterrupted) -> PayloadOutcome {
            let key = StateKey.custom(namespace: 1, id: Hash32(w0: UInt64(transaction.kind), w1: 0, w2: 0, w3: 0))
            var log: [UInt8] = []
            if case .bytes(let bytes)? = try state.read(key) { log = bytes }
            if log.count > 40 { return .failure(Self.logFull, gasUsed: 10) }
            state.write(key, .bytes(log + transaction.data))
            return .success(gasUsed: 10)
        }
    }

    @Test func aChainTeamsLogicSeesSequentialReadsInParallel() throws {
        let state = Self.state
        let block = (0..<256).map { index in
            NoteTransaction(
                sender: Self.accounts[index % 64], nonce: UInt64(index / 64), kind: UInt16(index % 3),
                data: [UInt8(truncatingIfNeeded: index)])
        }
        let reference = try SequentialExecutor(logic: LogLogic(), options: Self.options)
            .execute(block, context: Self.context, parent: Self.head(state), state: state)
        for threads in [2, 4, 8] {
            let parallel = try ParallelExecutor(logic: LogLogic(), options: Self.options, threads: threads)
                .execute(block, context: Self.context, parent: Self.head(state), state: state)
            #expect(parallel.metrics.path == .parallel)
            #expect(parallel.receipts == reference.receipts)
            #expect(parallel.changeSet == reference.changeSet)
        }
        #expect(reference.receipts.contains { $0.status == LogLogic.logFull })
    }

    /// A logic whose transactions each write as many keys of their own as their payload's first byte says
    /// (times 8), far more than the executor sizes its multi-version memory for.
    struct WideLogic: TransactionLogic {
        let rules = NoteRules()

        func execute(
            _ transaction: NoteTransaction, in block: BlockContext, state: inout TransactionState
        ) throws(ExecutionInterrupted) -> PayloadOutcome {
            guard let width = transaction.data.first else { return .failure(ReceiptStatus(rawValue: 102), gasUsed: 0) }
            for slot in 0..<(Int(width) * 8) {
                let key = StateKey.custom(namespace: 2, id: Hash32(w0: transaction.sender.middle, w1: transaction.nonce, w2: UInt64(slot), w3: 0))
                state.write(key, .amount(UInt128(slot)))
            }
            return .success(gasUsed: 1)
        }
    }

    static func wideBlock(size: Int, width: UInt8) -> [NoteTransaction] {
        (0..<size).map { index in
            NoteTransaction(sender: accounts[index % accounts.count], nonce: UInt64(index / accounts.count), kind: 0, data: [width])
        }
    }

    @Test func aBlockWithMoreKeysThanExpectedRunsAgainWithALargerMemory() throws {
        let state = Self.state
        let block = Self.wideBlock(size: 300, width: 4)  // 32 keys a transaction, where the executor expects 4
        let reference = try SequentialExecutor(logic: WideLogic(), options: Self.options)
            .execute(block, context: Self.context, parent: Self.head(state), state: state)
        #expect(reference.changeSet.changes.count > 300 * 32)
        let parallel = try ParallelExecutor(logic: WideLogic(), options: Self.options, threads: 2, policy: .alwaysParallel)
            .execute(block, context: Self.context, parent: Self.head(state), state: state)
        #expect(parallel.metrics.path == .parallel, "\(parallel.metrics.reason)")
        #expect(parallel.metrics.incarnations > block.count)  // the first, cut-short run counts too
        #expect(parallel.header == reference.header)
        #expect(parallel.receipts == reference.receipts)
        #expect(parallel.changeSet == reference.changeSet)
    }

    @Test func aBlockTooWideForEveryRetryFallsBackAndSaysWhy() throws {
        let state = Self.state
        let block = Self.wideBlock(size: 64, width: 125)  // 1,000 keys a transaction
        let reference = try SequentialExecutor(logic: WideLogic(), options: Self.options)
            .execute(block, context: Self.context, parent: Self.head(state), state: state)
        let executed = try ParallelExecutor(logic: WideLogic(), options: Self.options, threads: 2, policy: .alwaysParallel)
            .execute(block, context: Self.context, parent: Self.head(state), state: state)
        #expect(executed.metrics.path == .sequential)
        guard case .keyTableFull(let slots)? = executed.metrics.fallbackReason else {
            Issue.record("expected a full key table, got \(executed.metrics.reason)")
            return
        }
        #expect(slots < 64 * 1_000)
        #expect(executed.header == reference.header)
        #expect(executed.changeSet == reference.changeSet)
    }

    @Test func parallelExecutionOverTheLMDBStoreMatches() throws {
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .mix, accounts: 300, seed: 4, signed: false))
        let directory = try ScratchDirectory()
        let store = try LMDBStateStore(directory: directory.path, syncOnCommit: false)
        let genesis = generator.genesis()
        try store.initializeGenesis(genesis)
        let memory = InMemoryState(Dictionary(genesis, uniquingKeysWith: { first, _ in first }))
        let block = generator.nextBlock(size: 600)
        let context = generator.context(number: 1)
        let parallel = try store.withReadView { snapshot in
            try ParallelExecutor(logic: BuiltinTransactionLogic(), options: Self.options, threads: 4, policy: .alwaysParallel)
                .execute(block, context: context, parent: snapshot.head, state: snapshot)
        }
        let reference = try SequentialExecutor(logic: BuiltinTransactionLogic(), options: Self.options)
            .execute(block, context: context, parent: Self.head(memory), state: memory)
        #expect(parallel.header == reference.header)
        try store.commit(parallel.header, changeSet: parallel.changeSet)
        #expect(try store.recomputeCommitment() == parallel.commitment)
    }
}

@Suite struct AccessHintTests {
    @Test func recordedAccessSetsSpotChainsWithoutTheLogicsHelp() throws {
        let state = ParallelExecutorTests.state
        let block = ParallelExecutorTests.contendedBlock(size: 300)
        let recorded = try SequentialExecutor(logic: BuiltinTransactionLogic(), options: ParallelExecutorTests.options)
            .execute(block, context: ParallelExecutorTests.context, parent: state.genesis.head, state: state)
        // Credits are not conflicts: the fee collector is not among the written keys.
        #expect(!recorded.accessSets[0].writes.contains(.account(ParallelExecutorTests.collector)))
        #expect(recorded.accessSets[0].writes.contains(.account(ParallelExecutorTests.hot)))
        // The log logic gives no conflict keys, so only the hints can tell that this block is a chain.
        let executor = ParallelExecutor(logic: ParallelExecutorTests.LogLogic(), options: ParallelExecutorTests.options, threads: 2)
        let notes = block.map { NoteTransaction(sender: $0.sender, nonce: $0.nonce, kind: 0, data: [1]) }
        let hinted = [AccessSet](repeating: AccessSet(reads: [], writes: [.account(ParallelExecutorTests.hot)]), count: 300)
        let withHints = try executor.execute(
            notes, context: ParallelExecutorTests.context, parent: state.genesis.head, state: state, accessHints: hinted)
        #expect(withHints.metrics.reason.hasPrefix("dependency chain"))
        let without = try executor.execute(notes, context: ParallelExecutorTests.context, parent: state.genesis.head, state: state)
        #expect(without.metrics.path == .parallel)
        #expect(withHints.header == without.header)
    }

    @Test func recordedDependenciesListEachTransactionsLastWriters() {
        let (a, b, c) = (StateKey.account(Address(space: 1, index: 1)), StateKey.account(Address(space: 1, index: 2)), StateKey.account(Address(space: 1, index: 3)))
        let graph = RecordedDependencies([
            AccessSet(reads: [a], writes: [a]),  // 0: reads nothing written before it
            AccessSet(reads: [c], writes: [b]),  // 1: c is never written
            AccessSet(reads: [b, a, b], writes: [a]),  // 2: b from 1, a from 0, each once
            AccessSet(reads: [], writes: [a]),  // 3: a blind write
            AccessSet(reads: [a, b], writes: []),  // 4: a from 3 (the last writer), b from 1
        ])
        #expect(graph.count == 5)
        let writers = (0..<5).map { index in graph.range(of: index).map { graph.writers[$0] } }
        #expect(writers == [[], [], [1, 0], [], [3, 1]])
        #expect(graph.dependentCount == 2)
    }

    /// A replay's parallel run waits for the recorded writers instead of speculating past them: on a fully
    /// contended block nothing is aborted, and the result is the sequential one.
    @Test func recordedAccessSetsLeaveNothingToAbort() throws {
        let state = ParallelExecutorTests.state
        let block = ParallelExecutorTests.contendedBlock(size: 400)
        let reference = try SequentialExecutor(logic: BuiltinTransactionLogic(), options: ParallelExecutorTests.options)
            .execute(block, context: ParallelExecutorTests.context, parent: state.genesis.head, state: state)
        var aborts = 0, waits = 0
        for threads in [2, 4, 8] {
            let executor = ParallelExecutor(
                logic: BuiltinTransactionLogic(), options: ParallelExecutorTests.options, threads: threads, policy: .alwaysParallel)
            for run in 0..<5 {
                let replayed = try executor.execute(
                    block, context: ParallelExecutorTests.context, parent: state.genesis.head, state: state, accessHints: reference.accessSets)
                #expect(replayed.metrics.path == .parallel, "\(threads) threads, run \(run): \(replayed.metrics.reason)")
                #expect(replayed.metrics.aborts == 0, "\(threads) threads, run \(run)")
                #expect(replayed.metrics.incarnations == block.count, "\(threads) threads, run \(run)")
                waits += replayed.metrics.dependencyWaits
                #expect(replayed.header == reference.header, "\(threads) threads, run \(run)")
                #expect(replayed.receipts == reference.receipts)
                let speculative = try executor.execute(block, context: ParallelExecutorTests.context, parent: state.genesis.head, state: state)
                #expect(speculative.header == reference.header)
                aborts += speculative.metrics.aborts
            }
        }
        // The graph made transactions wait (a single run may not: on a loaded machine one worker can run
        // ahead of the others the whole time); without it, the same runs speculate and some are aborted.
        #expect(waits > 0)
        #expect(aborts > 0)
    }

    /// Hints are never trusted for the result: access sets that belong to another block (wrong keys, wrong
    /// dependencies) cost work, never a different outcome.
    @Test func wrongAccessSetsStillGiveTheSequentialResult() throws {
        let generator = try WorkloadGenerator(WorkloadConfiguration(kind: .mix, accounts: 50, seed: 8, signed: false))
        let memory = InMemoryState(Dictionary(generator.genesis(), uniquingKeysWith: { first, _ in first }))
        let first = generator.nextBlock(size: 300)
        let second = generator.nextBlock(size: 300)
        let context = generator.context(number: 1)
        let sequential = SequentialExecutor(logic: BuiltinTransactionLogic(), options: ParallelExecutorTests.options)
        let reference = try sequential.execute(second, context: context, parent: memory.genesis.head, state: memory)
        let foreign = try sequential.execute(first, context: context, parent: memory.genesis.head, state: memory).accessSets
        let executor = ParallelExecutor(logic: BuiltinTransactionLogic(), options: ParallelExecutorTests.options, threads: 4, policy: .alwaysParallel)
        for hints in [foreign, foreign.reversed(), [AccessSet](repeating: AccessSet(reads: [], writes: []), count: second.count)] {
            let replayed = try executor.execute(second, context: context, parent: memory.genesis.head, state: memory, accessHints: hints)
            #expect(replayed.metrics.path == .parallel)
            #expect(replayed.header == reference.header)
            #expect(replayed.changeSet == reference.changeSet)
        }
    }
}
