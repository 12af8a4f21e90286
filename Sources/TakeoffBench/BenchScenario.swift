import TakeoffWorkloads

/// One of `takeoff bench`'s fixed scenarios: the built-in chain's unsigned blocks over an in-memory genesis.
public enum BenchScenario: String, CaseIterable, Sendable {
    /// Transfers between uniformly chosen accounts.
    case uniform
    /// The same, with rounds of SHA-256 work in every transaction.
    case uniformWork = "uniform-work"
    /// Every transaction pays one account: the worst case for optimistic execution.
    case contention
    /// The mainnet trace, block by block.
    case mainnet
    /// Transfers of the WebAssembly token (`Contracts/token.wat`) between holders chosen uniformly.
    case wasmToken = "wasm-token"
    /// Swaps spread over 100 WebAssembly pools (`Contracts/amm.wat`), each calling two WebAssembly tokens.
    case wasmAmm = "wasm-amm"
    /// Swaps against a single WebAssembly pool: every transaction rewrites its reserves.
    case wasmAmmHot = "wasm-amm-hot"

    /// The workload of the scenario over `accounts` accounts (`trace` for the mainnet one).
    public func configuration(accounts: Int, trace: MainnetTrace?) -> WorkloadConfiguration {
        var configuration = WorkloadConfiguration(kind: .uniform, accounts: accounts, signed: false)
        switch self {
        case .uniform, .uniformWork: break
        case .contention:
            configuration.kind = .hotspot
            configuration.hotAccounts = 1
            configuration.hotFraction = 1
        case .mainnet:
            configuration.kind = .mainnet
            configuration.trace = trace
        case .wasmToken:
            configuration.kind = .wasmToken
        case .wasmAmm, .wasmAmmHot:
            configuration.kind = .wasmAmm
            configuration.pools = self == .wasmAmm ? 100 : 1
        }
        return configuration
    }
}

/// Why a benchmark could not give a figure.
public enum BenchError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The parallel and sequential executors ended at different commitments: a bug, never noise.
    case commitmentsDiffer(label: String, workRounds: Int, threads: Int)

    public var description: String {
        switch self {
        case .commitmentsDiffer(let label, let rounds, let threads):
            "\(label)\(rounds > 0 ? ", \(rounds) rounds" : ""), \(threads) threads: parallel and sequential commitments differ"
        }
    }
}

/// `value` rounded to thousandths, as reports print ratios.
package func thousandths(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
