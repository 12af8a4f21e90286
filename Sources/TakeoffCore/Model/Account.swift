/// An account's entry in the state.
public struct Account: Hashable, Sendable {
    /// The native balance. 128 bits: the largest real balances and token amounts fit with room for sums,
    /// and every addition is checked.
    public var balance: UInt128
    /// The number of transactions this account has had executed; the next transaction must carry it.
    public var nonce: UInt64

    /// Creates an account.
    public init(balance: UInt128, nonce: UInt64 = 0) {
        self.balance = balance
        self.nonce = nonce
    }
}
