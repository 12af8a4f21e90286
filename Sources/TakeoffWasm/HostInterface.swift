import TakeoffBuiltinChain
import TakeoffCore
import WasmKit

/// The functions a contract imports from the module `takeoff`: its whole view of the chain. Pointers are
/// offsets into the contract's exported memory; a storage key is 32 bytes; an address 20 bytes; an amount 16
/// bytes, little-endian. A pointer or length outside the memory traps the contract (never the node).
///
/// | import | signature | what it does |
/// |---|---|---|
/// | `input_size` | `() -> i32` | the length of this call's input |
/// | `input_copy` | `(dst)` | copies the input to `dst` |
/// | `caller` | `(dst)` | the address that called: the sender, or the calling contract |
/// | `self_address` | `(dst)` | this contract's address |
/// | `block_number` | `() -> i64` | the block's number |
/// | `read` | `(key, dst, capacity) -> i32` | a stored value's length (-1 when absent), its first `capacity` bytes copied to `dst` |
/// | `write` | `(key, src, length)` | stores `length` bytes (at most ``maximumValueSize``) |
/// | `remove` | `(key)` | removes the key |
/// | `read_amount` | `(key, dst) -> i32` | the amount under the key (0 when absent, the result then 0, else 1) |
/// | `write_amount` | `(key, src)` | stores an amount |
/// | `credit` | `(key, src)` | adds an amount without reading it: credits from different transactions never conflict |
/// | `sha256` | `(src, length, dst)` | SHA-256 of `length` bytes, 32 bytes to `dst` |
/// | `call` | `(contract, input, length) -> i32` | calls another contract; its output's length. If it fails, this call fails with its status |
/// | `output_copy` | `(dst)` | copies the output of the last `call` |
/// | `emit` | `(topics, count, src, length)` | adds an event to the receipt: `count` (at most 4) 32-byte topics at `topics`, `length` bytes of data (at most `ReceiptEvent.maximumDataSize`); at most `Receipt.maximumEvents` in a transaction |
/// | `return` | `(src, length)` | sets this call's output (at most ``maximumOutputSize`` bytes) |
/// | `revert` | `(code)` | stops: the transaction fails with `contractReverted`, its writes dropped |
public enum HostInterface {
    /// The module contracts import from.
    public static let moduleName = "takeoff"
    /// The longest value `write` stores.
    public static let maximumValueSize = 16 << 10
    /// The longest output `return` sets.
    public static let maximumOutputSize = 64 << 10
    /// How deep contracts may call each other (the transaction's own call is depth 1).
    public static let maximumCallDepth = 8

    /// Every import, with its parameter and result types.
    static let signatures: [(name: String, parameters: [ValueType], results: [ValueType])] = [
        ("input_size", [], [.i32]), ("input_copy", [.i32], []), ("caller", [.i32], []), ("self_address", [.i32], []),
        ("block_number", [], [.i64]), ("read", [.i32, .i32, .i32], [.i32]), ("write", [.i32, .i32, .i32], []),
        ("remove", [.i32], []), ("read_amount", [.i32, .i32], [.i32]), ("write_amount", [.i32, .i32], []),
        ("credit", [.i32, .i32], []), ("sha256", [.i32, .i32, .i32], []), ("call", [.i32, .i32, .i32], [.i32]),
        ("output_copy", [.i32], []), ("emit", [.i32, .i32, .i32, .i32], []), ("return", [.i32, .i32], []),
        ("revert", [.i32], []),
    ]

    /// The names a contract may import.
    static let functionNames: Set<String> = Set(signatures.map(\.name))
}

/// How a host call stopped the contract: thrown out of the interpreter through the host function, and turned
/// into the receipt's status when the call returns.
enum HostStop: Error {
    /// `revert` was called.
    case reverted(code: UInt32)
    /// The contract passed the host arguments it cannot use (a pointer outside its memory, a value too long).
    case badArguments(String)
    /// A host call's price was more than the fuel left.
    case outOfGas
    /// The state threw; the runtime keeps the `ExecutionInterrupted` and passes it on.
    case interrupted
    /// A contract this one called failed with `status`.
    case calleeFailed(ReceiptStatus)
}
