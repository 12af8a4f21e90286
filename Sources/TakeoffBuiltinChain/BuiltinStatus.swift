import TakeoffCore

/// The receipt statuses of the built-in chain (``BuiltinChainRules`` and ``BuiltinTransactionLogic``).
extension ReceiptStatus {
    /// The public key is not the sender's or the signature does not verify. Nothing is charged.
    public static let badSignature = ReceiptStatus(rawValue: 1)
    /// The nonce is not the sender's current nonce, or the sender does not exist. Nothing is charged.
    public static let badNonce = ReceiptStatus(rawValue: 2)
    /// The sender cannot pay the fee. Nothing is charged.
    public static let insufficientFee = ReceiptStatus(rawValue: 3)
    /// The payload moves more than the payer holds. The fee is charged.
    public static let insufficientBalance = ReceiptStatus(rawValue: 4)
    /// A balance, supply or counter would pass 2^128 - 1. The fee is charged.
    public static let overflow = ReceiptStatus(rawValue: 5)
    /// The payload needs more gas than the gas limit. The fee is charged.
    public static let outOfGas = ReceiptStatus(rawValue: 6)
    /// The sender may not do this (mint a token it does not control). The fee is charged.
    public static let unauthorized = ReceiptStatus(rawValue: 7)
    /// The account to create already exists. The fee is charged.
    public static let accountExists = ReceiptStatus(rawValue: 8)
    /// A swap would return less than its minimum. The fee is charged.
    public static let slippage = ReceiptStatus(rawValue: 9)
    /// The payload names something that does not exist or cannot be used (no such pool, a token that the
    /// pool does not trade). The fee is charged.
    public static let invalidPayload = ReceiptStatus(rawValue: 10)
    /// A contract payload reached a logic made without a ``ContractHost``. The fee is charged.
    public static let noContractHost = ReceiptStatus(rawValue: 11)
    /// The code to deploy is not a contract this chain runs (malformed, too large, an import or a feature it
    /// does not provide). The fee is charged.
    public static let contractRefused = ReceiptStatus(rawValue: 12)
    /// No contract lives at the address called. The fee is charged.
    public static let noSuchContract = ReceiptStatus(rawValue: 13)
    /// The contract trapped: an unreachable, a bad memory access, a division by zero, a call stack too deep, a
    /// host call with bad arguments. The fee is charged.
    public static let contractTrapped = ReceiptStatus(rawValue: 14)
    /// The contract reverted. The fee is charged.
    public static let contractReverted = ReceiptStatus(rawValue: 15)
}

extension BuiltinTransactionLogic {
    /// Every status the built-in chain gives, with its name.
    public static let statusNames: [ReceiptStatus: String] = [
        .success: "success", .badSignature: "bad signature", .badNonce: "bad nonce",
        .insufficientFee: "insufficient balance for the fee", .insufficientBalance: "insufficient balance",
        .overflow: "overflow", .outOfGas: "out of gas", .unauthorized: "unauthorized", .accountExists: "account exists",
        .slippage: "slippage", .invalidPayload: "invalid payload", .noContractHost: "no contract host",
        .contractRefused: "contract refused", .noSuchContract: "no such contract", .contractTrapped: "contract trapped",
        .contractReverted: "contract reverted",
    ]

    /// The name of `status` in the built-in chain ("status N" for a code it never gives).
    public static func name(of status: ReceiptStatus) -> String { statusNames[status] ?? status.description }
}
