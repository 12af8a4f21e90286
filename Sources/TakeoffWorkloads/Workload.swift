import Crypto
import Dispatch
import TakeoffCore
import TakeoffBuiltinChain

/// The shapes of generated traffic, from no contention to none possible.
public enum WorkloadKind: String, CaseIterable, Sendable {
    /// Native transfers between accounts drawn uniformly.
    case uniform
    /// Native transfers between accounts drawn from a Zipf distribution: a few accounts are very busy.
    case zipf
    /// A fraction of the transfers pay one of a few hot accounts.
    case hotspot
    /// Every transfer is sent by the previous one's recipient: a full chain of dependencies.
    case chain
    /// Token transfers, swaps against two pools, mints, counter increments, compute calls, account creations
    /// and native transfers.
    case mix
    /// The real Ethereum mainnet trace, block by block.
    case mainnet
    /// Transfers of a WebAssembly token contract (`Contracts/token.wat`) between holders drawn uniformly.
    case wasmToken = "wasm-token"
    /// Swaps against WebAssembly constant-product pools (`Contracts/amm.wat`) that call two WebAssembly
    /// tokens; ``WorkloadConfiguration/pools`` pools (1: a single hot pool), each trader trading in one.
    case wasmAmm = "wasm-amm"

    /// Whether the workload calls WebAssembly contracts (its logic needs a contract host).
    public var runsContracts: Bool { self == .wasmToken || self == .wasmAmm }
}

/// What to generate.
public struct WorkloadConfiguration: Sendable {
    /// The traffic shape.
    public var kind: WorkloadKind
    /// The number of genesis accounts (ignored by `mainnet`, whose accounts come from the trace).
    public var accounts: Int
    /// The seed: equal configurations give equal blocks.
    public var seed: UInt64
    /// Sign transactions with each account's Ed25519 key (otherwise signatures are zero and execution must
    /// skip signature checks).
    public var signed: Bool
    /// `hotspot`: how many hot accounts.
    public var hotAccounts: Int
    /// `hotspot`: the fraction of transfers that pay a hot account.
    public var hotFraction: Double
    /// `zipf`: the exponent.
    public var zipfExponent: Double
    /// `mainnet`: the trace.
    public var trace: MainnetTrace?
    /// `wasm-amm`: how many pools (trader `i` trades in pool `i % pools`).
    public var pools: Int

    /// Whether ``WorkloadGenerator/genesisChunks(size:)`` computes the genesis chunk by chunk (unsigned plain
    /// transfer workloads) rather than building it whole.
    public var streamsGenesis: Bool { !signed && ![.mix, .mainnet, .wasmToken, .wasmAmm].contains(kind) }

    /// Creates a configuration.
    public init(
        kind: WorkloadKind, accounts: Int = 10_000, seed: UInt64 = 1, signed: Bool = true, hotAccounts: Int = 4,
        hotFraction: Double = 0.5, zipfExponent: Double = 1.0, trace: MainnetTrace? = nil, pools: Int = 100
    ) {
        self.kind = kind
        self.accounts = accounts
        self.seed = seed
        self.signed = signed
        self.hotAccounts = hotAccounts
        self.hotFraction = hotFraction
        self.zipfExponent = zipfExponent
        self.trace = trace
        self.pools = pools
    }
}

/// Generates a genesis state and then blocks of transactions, deterministically from a configuration.
///
/// It tracks each sender's nonce itself (every generated transaction passes the envelope checks, so each
/// bumps its sender's nonce); `startingNonce` tells it the nonces of a store that already ran blocks.
public final class WorkloadGenerator {
    /// What is generated.
    public let configuration: WorkloadConfiguration
    /// The account every block's fees go to.
    public let feeCollector = Address(space: 0xFEE, index: 0)
    /// Nonces of accounts in a store that has already run blocks (default: all zero).
    public var startingNonce: (Address) -> UInt64 = { _ in 0 }

    /// The tokens of the `mix` workload; account 0 is their minter.
    public static let tokens = (0..<4).map { Address(space: 0x70C, index: UInt64($0)) }
    /// The pools of the `mix` workload: tokens 0/1 and tokens 2/3.
    public static let pools = (0..<2).map { Address(space: 0x9001, index: UInt64($0)) }
    /// The counter of the `mix` workload.
    public static let counter = Address(space: 0xC0, index: 0)
    /// The compute contracts of the `mix` workload.
    public static let computeContracts = (0..<16).map { Address(space: 0xC0DE, index: UInt64($0)) }

    /// The starting native balance of every generated account.
    public static let genesisBalance: UInt128 = 1_000_000_000_000_000_000_000_000_000  // 10^27
    /// The starting token balance of every account and every pool reserve.
    public static let genesisTokenBalance: UInt128 = 1_000_000_000_000_000_000_000  // 10^21

    private let book: AccountBook
    private var random: SeededGenerator
    private var nonces: [Int: UInt64] = [:]
    private var zipf: ZipfDistribution?
    private var chainHead = 0
    private var mainnet: MainnetMapping?
    private var blockNumber: UInt64 = 0

    /// Prepares a generator.
    /// - Throws: ``WorkloadError/invalidSetting(_:)`` for out-of-range settings or a `mainnet` workload
    ///   without a trace.
    public init(_ configuration: WorkloadConfiguration) throws {
        guard configuration.kind == .mainnet || configuration.accounts >= 2 else {
            throw WorkloadError.invalidSetting("a workload needs at least 2 accounts, got \(configuration.accounts)")
        }
        guard configuration.hotAccounts >= 1, (0...1).contains(configuration.hotFraction) else {
            throw WorkloadError.invalidSetting("hot accounts must be at least 1 and the hot fraction within 0...1")
        }
        guard configuration.pools >= 1 else {
            throw WorkloadError.invalidSetting("a wasm-amm workload needs at least 1 pool, got \(configuration.pools)")
        }
        self.configuration = configuration
        book = AccountBook(signed: configuration.signed, space: 1)
        random = SeededGenerator(seed: configuration.seed)
        switch configuration.kind {
        case .zipf: zipf = ZipfDistribution(count: configuration.accounts, exponent: configuration.zipfExponent)
        case .mainnet:
            guard let trace = configuration.trace else { throw WorkloadError.invalidSetting("the mainnet workload needs a trace") }
            mainnet = MainnetMapping(trace: trace, book: book)
        default: break
        }
    }

    /// The genesis state: funded accounts and, per workload, tokens, pools, counters and contracts.
    public func genesis() -> [(StateKey, StateValue)] {
        if let mainnet { return mainnet.genesis() }
        let addresses = book.addresses(count: configuration.accounts)
        var entries = addresses.map { (StateKey.account($0), StateValue.account(Account(balance: Self.genesisBalance))) }
        if configuration.kind == .mix {
            for token in Self.tokens {
                for holder in addresses {
                    entries.append((.tokenBalance(token: token, holder: holder), .amount(Self.genesisTokenBalance)))
                }
                entries.append((.contractSlot(contract: token, slot: BuiltinTransactionLogic.minterSlot), .address(addresses[0])))
            }
            for (index, pool) in Self.pools.enumerated() {
                let pair = (Self.tokens[2 * index], Self.tokens[2 * index + 1])
                entries.append((.contractSlot(contract: pool, slot: 0), .address(pair.0)))
                entries.append((.contractSlot(contract: pool, slot: 1), .address(pair.1)))
                entries.append((.tokenBalance(token: pair.0, holder: pool), .amount(Self.genesisTokenBalance)))
                entries.append((.tokenBalance(token: pair.1, holder: pool), .amount(Self.genesisTokenBalance)))
            }
            let supply = Self.genesisTokenBalance * UInt128(configuration.accounts + 1)
            for token in Self.tokens {
                entries.append((.contractSlot(contract: token, slot: BuiltinTransactionLogic.supplySlot), .amount(supply)))
            }
        }
        if configuration.kind.runsContracts {
            entries += ContractWorkload.genesis(
                holders: addresses, pools: configuration.kind == .wasmAmm ? configuration.pools : 0)
        }
        return entries
    }

    /// The genesis state in increasing key order, at most `chunkSize` entries at a time: what
    /// `LMDBStateStore.initializeGenesis(streaming:)` loads.
    ///
    /// Unsigned workloads of plain transfers compute each chunk when it is asked for, from the account
    /// indices (their addresses sort in index order), so memory does not grow with the number of accounts.
    /// The others are built whole by ``genesis()``, sorted and cut: signed accounts live at hashes of their
    /// keys, and `mix` and `mainnet` hold several kinds of entries.
    public func genesisChunks(size chunkSize: Int = 1 << 16) -> UnfoldSequence<[(StateKey, StateValue)], Int> {
        precondition(chunkSize > 0, "a genesis chunk holds at least one entry")
        let streamed = configuration.streamsGenesis
        let count = streamed ? configuration.accounts : 0
        let sorted = streamed ? [] : genesis().sorted { $0.0 < $1.0 }
        let total = streamed ? count : sorted.count
        let book = book
        return sequence(state: 0) { start in
            guard start < total else { return nil }
            let end = min(total, start + chunkSize)
            defer { start = end }
            guard streamed else { return Array(sorted[start..<end]) }
            return (start..<end).map { (StateKey.account(book.address($0)), StateValue.account(Account(balance: Self.genesisBalance))) }
        }
    }

    /// The next block's context: numbers count up from `first`.
    public func context(number: UInt64) -> BlockContext {
        BlockContext(number: number, timestamp: 1_700_000_000 + number * 12, feeCollector: feeCollector)
    }

    /// The number of blocks the workload has, or nil when it has no end (`mainnet`: the trace's blocks; past
    /// them ``block(number:size:)`` starts the trace over).
    public var blockCount: Int? { mainnet?.blocks.count }

    /// The next block's transactions: `size` of them (`mainnet`: the next trace block, whatever its size).
    /// Blocks are numbered from 1 by the calls, as ``block(number:size:)`` numbers them.
    public func nextBlock(size: Int) -> [BuiltinTransaction] {
        blockNumber += 1
        return block(number: blockNumber, size: size)
    }

    /// Block `number`'s transactions: `size` of them (`mainnet`: trace block `number`, whatever its size).
    ///
    /// What is drawn depends on the seed and the block number alone, and nonces continue from
    /// ``startingNonce`` and the blocks generated before, so a run split in two (or interrupted and
    /// continued over the same store) generates the same blocks as one run.
    public func block(number: UInt64, size: Int) -> [BuiltinTransaction] {
        blockNumber = number
        random = SeededGenerator(seed: Self.blockSeed(configuration.seed, number))
        var unsigned: [(BuiltinTransaction, Int)] = []
        if let mainnet {
            let block = mainnet.blocks[Int((number - 1) % UInt64(mainnet.blocks.count))]
            for row in block { unsigned.append(makeTransaction(sender: row.sender, payload: row.payload, gasLimit: row.gasLimit)) }
        } else {
            // The chain continues from where the blocks before this one left it.
            chainHead = Int(((number - 1) % UInt64(configuration.accounts)) * UInt64(size) % UInt64(configuration.accounts))
            unsigned.reserveCapacity(size)
            for _ in 0..<size { unsigned.append(nextGenerated()) }
        }
        return sign(unsigned)
    }

    /// The seed of block `number`'s draws: a hash of the workload seed and the number, so that blocks'
    /// streams are unrelated.
    static func blockSeed(_ seed: UInt64, _ number: UInt64) -> UInt64 {
        var writer = ByteWriter(capacity: 16)
        writer.write(seed)
        writer.write(number)
        return Array(SHA256.hash(data: writer.bytes)).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    private func nextGenerated() -> (BuiltinTransaction, Int) {
        let count = configuration.accounts
        switch configuration.kind {
        case .uniform:
            let (from, to) = distinctPair { self.random.index(below: count) }
            return transfer(from: from, to: to)
        case .zipf:
            let (from, to) = distinctPair { self.zipf!.sample(using: &self.random) }
            return transfer(from: from, to: to)
        case .hotspot:
            let hot = min(configuration.hotAccounts, count - 1)
            let from = hot + random.index(below: count - hot)
            let to = random.unit() < configuration.hotFraction ? random.index(below: hot) : random.index(below: count)
            return transfer(from: from, to: to == from ? (from + 1) % count : to)
        case .chain:
            let from = chainHead
            chainHead = (chainHead + 1) % count
            return transfer(from: from, to: chainHead)
        case .mix:
            return nextMixed()
        case .mainnet:
            preconditionFailure("mainnet blocks come from the trace")
        case .wasmToken:
            let (from, to) = distinctPair { self.random.index(below: count) }
            return makeTransaction(
                sender: from, payload: ContractWorkload.transfer(to: book.address(to), amount: amount()),
                gasLimit: ContractWorkload.transferGasLimit)
        case .wasmAmm:
            let trader = random.index(below: count)
            let pool = trader % configuration.pools
            return makeTransaction(
                sender: trader,
                payload: ContractWorkload.swap(pool: pool, sellingToken0: random.index(below: 2) == 0, amount: amount()),
                gasLimit: ContractWorkload.swapGasLimit)
        }
    }

    private func nextMixed() -> (BuiltinTransaction, Int) {
        let count = configuration.accounts
        let from = 1 + random.index(below: count - 1)  // account 0 mints; it sends nothing else
        let roll = random.index(below: 100)
        switch roll {
        case 0..<25:
            let token = Self.tokens[random.index(below: Self.tokens.count)]
            let to = book.address(random.index(below: count))
            return makeTransaction(sender: from, payload: .tokenTransfer(token: token, to: to, amount: amount()), gasLimit: 60_000)
        case 25..<40:
            let pool = random.index(below: Self.pools.count)
            let tokenIn = Self.tokens[2 * pool + random.index(below: 2)]
            return makeTransaction(
                sender: from, payload: .swap(pool: Self.pools[pool], tokenIn: tokenIn, amountIn: amount(), minimumOut: 1),
                gasLimit: 120_000)
        case 40..<50:
            return makeTransaction(sender: from, payload: .counterIncrement(counter: Self.counter, amount: 1), gasLimit: 40_000)
        case 50..<60:
            let contract = Self.computeContracts[random.index(below: Self.computeContracts.count)]
            return makeTransaction(sender: from, payload: .compute(contract: contract, value: amount(), rounds: 8), gasLimit: 40_000)
        case 60..<64:
            let token = Self.tokens[random.index(below: Self.tokens.count)]
            let to = book.address(random.index(below: count))
            return makeTransaction(sender: 0, payload: .tokenMint(token: token, to: to, amount: amount()), gasLimit: 60_000)
        case 64..<68:
            // Named after the sender and its nonce: new in every run, even one continuing an existing store.
            let nonce = nonces[from] ?? startingNonce(book.address(from))
            let address = Address(space: 0xC4EA, index: UInt64(from) << 32 | nonce)
            return makeTransaction(sender: from, payload: .createAccount(address: address, value: amount()), gasLimit: 60_000)
        default:
            return transfer(from: from, to: random.index(below: count))
        }
    }

    private func distinctPair(_ draw: () -> Int) -> (Int, Int) {
        let from = draw()
        var to = draw()
        if to == from { to = (from + 1) % configuration.accounts }
        return (from, to)
    }

    private func amount() -> UInt128 { UInt128(1 + random.index(below: 1_000_000)) }

    private func transfer(from: Int, to: Int) -> (BuiltinTransaction, Int) {
        makeTransaction(sender: from, payload: .transfer(to: book.address(to), amount: amount()), gasLimit: 21_000)
    }

    private func makeTransaction(sender: Int, payload: BuiltinPayload, gasLimit: UInt64) -> (BuiltinTransaction, Int) {
        // Mainnet senders are trace ordinals; their addresses come from the mapping (the book's, when signed).
        let address = mainnet?.mappedAddresses[sender] ?? book.address(sender)
        let nonce = nonces[sender] ?? startingNonce(address)
        nonces[sender] = nonce + 1
        let fee = UInt128(21_000 + random.index(below: 1_000))
        return (BuiltinTransaction(sender: address, nonce: nonce, fee: fee, gasLimit: gasLimit, payload: payload), sender)
    }

    /// Signs on every core: signing costs far more than generating.
    private func sign(_ unsigned: [(BuiltinTransaction, Int)]) -> [BuiltinTransaction] {
        guard book.signed else { return unsigned.map(\.0) }
        let chunk = 256
        let chunks = (unsigned.count + chunk - 1) / chunk
        let results = ConcurrentResults<[BuiltinTransaction]>(count: chunks, initial: [])
        let book = self.book
        DispatchQueue.concurrentPerform(iterations: chunks) { part in
            results[part] = unsigned[part * chunk..<min(unsigned.count, (part + 1) * chunk)].map { book.sign($0.0, by: $0.1) }
        }
        return results.values.flatMap { $0 }
    }
}
