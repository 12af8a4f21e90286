import TakeoffCore

/// Where contracts live in the state.
///
/// - a contract's record, the hash of its code, as a `.word` in slot `UInt64.max` of the contract's address
///   (`StateKey.contractSlot`; the built-in payloads use slots 0 and 1 only);
/// - the code, as `.bytes`, under `StateKey.custom(namespace: codeNamespace, id: code hash)`: content-addressed,
///   so two contracts with the same code share it;
/// - a contract's storage: each 32-byte key a contract uses is `StateKey.custom(namespace: storageNamespace,
///   id: SHA-256(contract address ‖ key))`, so no contract can name another's keys.
public enum ContractLayout {
    /// The namespace of contract code.
    public static let codeNamespace: UInt16 = 0xC0DE
    /// The namespace of contract storage.
    public static let storageNamespace: UInt16 = 0xC057
    /// The contract-record slot.
    public static let recordSlot = UInt64.max

    /// The key of `contract`'s record (its code hash).
    public static func record(of contract: Address) -> StateKey { .contractSlot(contract: contract, slot: recordSlot) }

    /// The key of the code with hash `hash`.
    public static func code(_ hash: Hash32) -> StateKey { .custom(namespace: codeNamespace, id: hash) }

    /// The state key of `contract`'s storage key `key` (32 bytes).
    public static func storage(of contract: Address, key: some Collection<UInt8>) -> StateKey {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Address.byteCount + 32)
        bytes.append(contentsOf: contract.bytes)
        bytes.append(contentsOf: key)
        return storage(hashed: Hash32.sha256(bytes))
    }

    /// The state key of a storage key whose SHA-256 with its contract's address is `hash`.
    public static func storage(hashed hash: Hash32) -> StateKey { .custom(namespace: storageNamespace, id: hash) }

    /// The genesis entries of a contract deployed before the first block: its code and record, for workloads
    /// and chains that start with contracts in place. `storage` is the contract's initial storage.
    public static func genesisEntries(
        contract: Address, code: [UInt8], storage: [(key: [UInt8], value: StateValue)] = []
    ) -> [(StateKey, StateValue)] {
        let hash = Hash32.sha256(code)
        return [(record(of: contract), .word(hash)), (self.code(hash), .bytes(code))]
            + storage.map { (self.storage(of: contract, key: $0.key), $0.value) }
    }
}
