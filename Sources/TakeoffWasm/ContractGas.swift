/// What contracts pay, in gas. Interpretation is metered by WasmKit's fuel, one gas per unit (about one
/// WebAssembly operator; bulk memory operations one more per 64 bytes); the rest is fixed here, charged the
/// same on every worker and on the sequential path because it depends only on what the contract asks for.
public enum ContractGas {
    /// A call, before the contract runs.
    public static let callBase: UInt64 = 21_000
    /// A deploy, before validation.
    public static let deployBase: UInt64 = 32_000
    /// Each byte of a transaction's input.
    public static let perInputByte: UInt64 = 16
    /// Each byte of deployed code (validated, parsed and stored).
    public static let perCodeByte: UInt64 = 50
    /// Every host call, on top of its own price.
    public static let hostCall: UInt64 = 20
    /// Each 32 bytes a host call copies into or out of the contract's memory.
    public static let perCopiedWord: UInt64 = 3
    /// Reading a storage key.
    public static let storageRead: UInt64 = 800
    /// Writing or removing a storage key.
    public static let storageWrite: UInt64 = 5_000
    /// Crediting a storage key (a commutative add, no read).
    public static let storageCredit: UInt64 = 1_000
    /// SHA-256, before its words.
    public static let sha256Base: UInt64 = 60
    /// SHA-256, each 32 bytes hashed.
    public static let sha256PerWord: UInt64 = 12
    /// Emitting an event, before its topics and data.
    public static let event: UInt64 = 375
    /// Each topic of an event.
    public static let eventTopic: UInt64 = 375
    /// Each byte of an event's data (kept in the receipt, and so in the archive, for good).
    public static let eventDataByte: UInt64 = 8
    /// Calling another contract, before it runs.
    public static let nestedCall: UInt64 = 2_500

    /// The gas of copying `count` bytes.
    static func copy(_ count: Int) -> UInt64 { UInt64((count + 31) / 32) * perCopiedWord }
}
