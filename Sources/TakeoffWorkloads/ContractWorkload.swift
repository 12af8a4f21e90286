import TakeoffBuiltinChain
import TakeoffCore

/// The WebAssembly contracts of the `wasm-token` and `wasm-amm` workloads, in place at genesis, and the calls
/// those workloads make (the ABI of `Contracts/token.wat` and `Contracts/amm.wat`).
public enum ContractWorkload {
    /// The two token contracts (`wasm-token` uses the first).
    public static let tokens = (0..<2).map { Address(space: 0x3A5, index: UInt64($0)) }
    /// The pool contracts of `wasm-amm`, each trading token 0 against token 1.
    public static func pool(_ index: Int) -> Address { Address(space: 0xA33, index: UInt64(index)) }

    /// Every holder's starting balance in each token.
    public static let holderBalance: UInt128 = 1 << 60
    /// Each pool's starting reserve of each token (the pool keeps reserve × amount below 2^64).
    public static let poolReserve: UInt128 = 1 << 40

    /// Gas limits that the calls stay well inside.
    public static let transferGasLimit: UInt64 = 100_000
    public static let swapGasLimit: UInt64 = 300_000

    /// The genesis entries: the first token contract with a balance for every holder and, with `pools`
    /// pools, the second token too, the pool contracts with their reserves, and every holder's unlimited
    /// allowance to the pool it trades in.
    public static func genesis(holders: [Address], pools: Int) -> [(StateKey, StateValue)] {
        let tokenCount = pools > 0 ? 2 : 1
        var tokenStorage = [[(key: [UInt8], value: StateValue)]](repeating: [], count: tokenCount)
        for holder in holders {
            for token in 0..<tokenCount { tokenStorage[token].append((balanceKey(holder), .amount(holderBalance))) }
        }
        var entries: [(StateKey, StateValue)] = []
        for index in 0..<pools {
            let pool = pool(index)
            for token in 0..<2 { tokenStorage[token].append((balanceKey(pool), .amount(poolReserve))) }
            let poolStorage: [(key: [UInt8], value: StateValue)] = [
                (tagKey(2), .bytes(tokens[0].bytes)), (tagKey(3), .bytes(tokens[1].bytes)),
                (tagKey(4), .amount(poolReserve)), (tagKey(5), .amount(poolReserve)),
            ]
            entries += ContractLayout.genesisEntries(contract: pool, code: ContractModules.amm, storage: poolStorage)
        }
        if pools > 0 {
            for (index, holder) in holders.enumerated() {
                let key = allowanceKey(owner: holder, spender: pool(index % pools))
                for token in 0..<2 { tokenStorage[token].append((key, .amount(.max))) }
            }
        }
        for (token, storage) in zip(tokens, tokenStorage) {
            entries += ContractLayout.genesisEntries(contract: token, code: ContractModules.token, storage: storage)
        }
        // Two contracts with the same code share its entry: keep one.
        var seen = Set<StateKey>()
        return entries.filter { seen.insert($0.0).inserted }
    }

    /// `token.transfer(to, amount)` on the first token.
    public static func transfer(to: Address, amount: UInt128) -> BuiltinPayload {
        .callContract(contract: tokens[0], input: [1] + to.bytes + littleEndian(amount))
    }

    /// `pool.swap(direction, amount, minimumOut: 1)` on pool `pool`.
    public static func swap(pool: Int, sellingToken0: Bool, amount: UInt128) -> BuiltinPayload {
        .callContract(contract: self.pool(pool), input: [2, sellingToken0 ? 0 : 1] + littleEndian(amount) + littleEndian(1))
    }

    /// The token contract's key of `holder`'s balance: [1, holder, 0...].
    public static func balanceKey(_ holder: Address) -> [UInt8] { [1] + holder.bytes + [UInt8](repeating: 0, count: 11) }

    /// The token contract's key of `owner`'s allowance to `spender`: SHA-256(owner ‖ spender).
    public static func allowanceKey(owner: Address, spender: Address) -> [UInt8] {
        Hash32.sha256(owner.bytes + spender.bytes).bytes
    }

    /// The pool contract's key `[tag, 0...]`.
    public static func tagKey(_ tag: UInt8) -> [UInt8] { [tag] + [UInt8](repeating: 0, count: 31) }

    /// The topic the example contracts name an event by ("Transfer", "Approval", "Swap", "Liquidity"): its
    /// ASCII name, zero-padded to 32 bytes.
    public static func eventTopic(_ name: String) -> Hash32 {
        let bytes = Array(name.utf8.prefix(32))
        // Exactly 32 bytes: the hash always decodes.
        return try! Hash32(bytes: bytes + [UInt8](repeating: 0, count: 32 - bytes.count))
    }

    /// The topic the example contracts give an address: 12 zero bytes, then its 20.
    public static func addressTopic(_ address: Address) -> Hash32 {
        // Exactly 32 bytes: the hash always decodes.
        try! Hash32(bytes: [UInt8](repeating: 0, count: 12) + address.bytes)
    }

    /// `amount`, 16 bytes little-endian, as the contracts take amounts.
    public static func littleEndian(_ amount: UInt128) -> [UInt8] {
        (0..<16).map { UInt8(truncatingIfNeeded: amount >> (8 * $0)) }
    }
}
