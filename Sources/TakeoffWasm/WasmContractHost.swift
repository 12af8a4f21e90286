import Synchronization
import TakeoffBuiltinChain
import TakeoffCore

/// Validated contracts by code hash, shared by every worker: a module is validated and parsed once per
/// process, whichever worker meets it first, as long as the cache keeps it. Content-addressed, so a
/// speculative run that met a code cannot leave anything wrong behind.
///
/// Bounded: past ``codeCapacity`` parsed modules (or ``refusalCapacity`` refusals, which anyone can make by
/// deploying garbage) it forgets an arbitrary one, which costs a second validation when that code is met again
/// and changes no result. Runtimes keep the instances they made whatever the cache forgets.
final class ContractCodeCache: Sendable {
    let codeCapacity: Int
    let refusalCapacity: Int
    private let codes = Mutex<[Hash32: ContractCode]>([:])
    private let refusals = Mutex<[Hash32: ContractRefusal]>([:])

    init(codeCapacity: Int = 512, refusalCapacity: Int = 4_096) {
        precondition(codeCapacity > 0 && refusalCapacity > 0, "a cache keeps at least one entry")
        self.codeCapacity = codeCapacity
        self.refusalCapacity = refusalCapacity
    }

    /// `bytes` validated (from the cache when its hash is known), or why not.
    func validated(_ bytes: [UInt8], hash knownHash: Hash32? = nil) -> Result<ContractCode, ContractRefusal> {
        let hash = knownHash ?? Hash32.sha256(bytes)
        if let code = codes.withLock({ $0[hash] }) { return .success(code) }
        if let refusal = refusals.withLock({ $0[hash] }) { return .failure(refusal) }
        do throws(ContractRefusal) {
            let code = try ContractValidator.validate(bytes, hash: hash)
            codes.withLock { Self.insert(code, at: hash, into: &$0, capacity: codeCapacity) }
            return .success(code)
        } catch {
            refusals.withLock { Self.insert(error, at: hash, into: &$0, capacity: refusalCapacity) }
            return .failure(error)
        }
    }

    /// How many parsed modules and refusals the cache holds.
    var counts: (codes: Int, refusals: Int) { (codes.withLock { $0.count }, refusals.withLock { $0.count }) }

    private static func insert<Value>(_ value: Value, at hash: Hash32, into table: inout [Hash32: Value], capacity: Int) {
        if table[hash] == nil, table.count >= capacity { table.remove(at: table.startIndex) }
        table[hash] = value
    }
}

/// The built-in chain's contracts in WebAssembly, run by WasmKit's interpreter with fuel metering: pass one to
/// `BuiltinTransactionLogic(contracts:)`.
///
/// Each worker that runs a contract payload takes a `ContractRuntime` (a WasmKit store with one instance per
/// contract) from the host's pool and gives it back when the payload ends, so there are as many runtimes as
/// payloads ever ran at once, and each is used by one thread at a time. Modules are validated and parsed once
/// per process and shared. See `ContractValidator` for what a contract may be, `HostInterface` for what it
/// may call, and `ContractGas` for what it pays.
public final class WasmContractHost: ContractHost {
    private let codes = ContractCodeCache()
    private let idle = Mutex<[ContractRuntime]>([])

    /// Creates a host with no runtime yet (each is made on first need).
    public init() {}

    public func deploy(
        code: [UInt8], input: [UInt8], address: Address, sender: Address, gasLimit: UInt64, block: BlockContext,
        state: inout TransactionState
    ) throws(ExecutionInterrupted) -> PayloadOutcome {
        try run(address, input: input, sender: sender, gasLimit: gasLimit, block: block, deploying: code, state: &state)
    }

    public func call(
        contract: Address, input: [UInt8], sender: Address, gasLimit: UInt64, block: BlockContext,
        state: inout TransactionState
    ) throws(ExecutionInterrupted) -> PayloadOutcome {
        try run(contract, input: input, sender: sender, gasLimit: gasLimit, block: block, deploying: nil, state: &state)
    }

    public func forEachLikelyRead(ofCallTo contract: Address, input: [UInt8], sender: Address, _ body: (StateKey) -> Void) {
        body(ContractLayout.record(of: contract))
    }

    /// Why `code` would be refused at deploy, or nil when it would be deployed.
    public func refusal(of code: [UInt8]) -> ContractRefusal? {
        if case .failure(let refusal) = codes.validated(code) { return refusal }
        return nil
    }

    /// Runs a payload on a runtime taken from the pool (or a new one), and gives the runtime back.
    private func run(
        _ address: Address, input: [UInt8], sender: Address, gasLimit: UInt64, block: BlockContext, deploying code: [UInt8]?,
        state: inout TransactionState
    ) throws(ExecutionInterrupted) -> PayloadOutcome {
        let runtime = idle.withLock { $0.popLast() } ?? ContractRuntime(codes: codes)
        defer {
            if !runtime.isWorn { idle.withLock { $0.append(runtime) } }
        }
        return try runtime.run(
            address: address, input: input, sender: sender, gasLimit: gasLimit, block: block, deploying: code, state: &state)
    }
}

extension BuiltinTransactionLogic {
    /// The built-in logic with a new ``WasmContractHost`` running its contract payloads.
    public static func withWasmContracts() -> BuiltinTransactionLogic { BuiltinTransactionLogic(contracts: WasmContractHost()) }
}
