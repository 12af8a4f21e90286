import TakeoffCore

/// What a built-in transaction asks for; ``BuiltinTransactionLogic`` runs it. (A chain with transactions
/// of its own defines its own `ChainTransaction` type instead.)
public enum BuiltinPayload: Hashable, Sendable {
    /// Moves `amount` of the native balance from the sender to `to`, creating `to` if it is new.
    case transfer(to: Address, amount: UInt128)
    /// Moves `amount` of `token` from the sender to `to`.
    case tokenTransfer(token: Address, to: Address, amount: UInt128)
    /// Creates `amount` of `token` for `to`; only the token's minter may do it.
    case tokenMint(token: Address, to: Address, amount: UInt128)
    /// Sells `amountIn` of `tokenIn` to the constant-product pool at `pool` for at least `minimumOut` of
    /// the pool's other token.
    case swap(pool: Address, tokenIn: Address, amountIn: UInt128, minimumOut: UInt128)
    /// Adds `amount` to the counter at `counter`: a commutative delta, so increments never conflict.
    case counterIncrement(counter: Address, amount: UInt128)
    /// Calls the compute contract at `contract`: pays it `value`, then does `rounds` rounds of SHA-256
    /// over its state word, paid for with gas.
    case compute(contract: Address, value: UInt128, rounds: UInt32)
    /// Creates the account `address` with `value` moved from the sender.
    case createAccount(address: Address, value: UInt128)
    /// Deploys the contract `code` (a WebAssembly module) and runs its constructor with `input`; the contract's
    /// address is ``BuiltinTransactionLogic/contractAddress(deployer:nonce:)`` of the sender and this
    /// transaction's nonce. Runs only on a logic made with a ``ContractHost``.
    case deployContract(code: [UInt8], input: [UInt8])
    /// Calls the contract at `contract` with `input`. Runs only on a logic made with a ``ContractHost``.
    case callContract(contract: Address, input: [UInt8])

    /// The longest contract code a transaction may carry, in bytes.
    public static let maximumCodeSize = 256 << 10
    /// The longest contract input a transaction may carry, in bytes.
    public static let maximumInputSize = 64 << 10

    /// Appends the canonical encoding.
    package func encode(to writer: inout ByteWriter) {
        switch self {
        case .transfer(let to, let amount):
            writer.write(UInt8(1))
            writer.write(to)
            writer.write(amount)
        case .tokenTransfer(let token, let to, let amount):
            writer.write(UInt8(2))
            writer.write(token)
            writer.write(to)
            writer.write(amount)
        case .tokenMint(let token, let to, let amount):
            writer.write(UInt8(3))
            writer.write(token)
            writer.write(to)
            writer.write(amount)
        case .swap(let pool, let tokenIn, let amountIn, let minimumOut):
            writer.write(UInt8(4))
            writer.write(pool)
            writer.write(tokenIn)
            writer.write(amountIn)
            writer.write(minimumOut)
        case .counterIncrement(let counter, let amount):
            writer.write(UInt8(5))
            writer.write(counter)
            writer.write(amount)
        case .compute(let contract, let value, let rounds):
            writer.write(UInt8(6))
            writer.write(contract)
            writer.write(value)
            writer.write(rounds)
        case .createAccount(let address, let value):
            writer.write(UInt8(7))
            writer.write(address)
            writer.write(value)
        case .deployContract(let code, let input):
            writer.write(UInt8(8))
            writer.write(lengthPrefixed: code)
            writer.write(lengthPrefixed: input)
        case .callContract(let contract, let input):
            writer.write(UInt8(9))
            writer.write(contract)
            writer.write(lengthPrefixed: input)
        }
    }

    /// Reads one payload.
    /// - Throws: ``CodecError`` on a short input or an unknown tag.
    package static func decode(from reader: inout ByteReader) throws(CodecError) -> BuiltinPayload {
        switch try reader.readUInt8("payload tag") {
        case 1:
            return .transfer(to: try reader.readAddress("recipient"), amount: try reader.readUInt128("amount"))
        case 2:
            return .tokenTransfer(
                token: try reader.readAddress("token"), to: try reader.readAddress("recipient"),
                amount: try reader.readUInt128("amount"))
        case 3:
            return .tokenMint(
                token: try reader.readAddress("token"), to: try reader.readAddress("recipient"),
                amount: try reader.readUInt128("amount"))
        case 4:
            return .swap(
                pool: try reader.readAddress("pool"), tokenIn: try reader.readAddress("token in"),
                amountIn: try reader.readUInt128("amount in"), minimumOut: try reader.readUInt128("minimum out"))
        case 5:
            return .counterIncrement(counter: try reader.readAddress("counter"), amount: try reader.readUInt128("amount"))
        case 6:
            return .compute(
                contract: try reader.readAddress("contract"), value: try reader.readUInt128("value"),
                rounds: try reader.readUInt32("rounds"))
        case 7:
            return .createAccount(address: try reader.readAddress("new account"), value: try reader.readUInt128("value"))
        case 8:
            return .deployContract(
                code: try reader.readLengthPrefixed("contract code", limit: maximumCodeSize),
                input: try reader.readLengthPrefixed("contract input", limit: maximumInputSize))
        case 9:
            return .callContract(
                contract: try reader.readAddress("contract"),
                input: try reader.readLengthPrefixed("contract input", limit: maximumInputSize))
        case let tag:
            throw CodecError.unknownTag(what: "transaction payload", tag: tag)
        }
    }
}
