import Foundation

/// Settings shared by every executor.
public struct ExecutionOptions: Hashable, Sendable {
    /// Authenticate every transaction (``ChainRules/authenticate(_:)``: the signature check) before
    /// execution. Turn it off only for input that was checked already (replaying an archive) or that
    /// carries no signatures (unsigned benchmark workloads).
    public var verifySignatures: Bool
    /// Extra rounds of SHA-256 every transaction does, to model heavier transaction logic. They change no
    /// state.
    public var workRoundsPerTransaction: Int

    /// Threads for pre-execution authentication: they share no state, so even the sequential executor
    /// spreads them over every core.
    public var signatureThreads: Int

    /// Time each transaction's execution (its last one, in parallel) into ``ExecutedBlock/transactionCosts``,
    /// the weights of ``IdealSpeedup``. Off by default: two clock reads per execution are a few percent of a
    /// cheap transaction.
    public var measuresTransactionCosts: Bool

    /// Creates options.
    public init(
        verifySignatures: Bool = true, workRoundsPerTransaction: Int = 0,
        signatureThreads: Int = ProcessInfo.processInfo.activeProcessorCount, measuresTransactionCosts: Bool = false
    ) {
        self.verifySignatures = verifySignatures
        self.workRoundsPerTransaction = workRoundsPerTransaction
        self.signatureThreads = signatureThreads
        self.measuresTransactionCosts = measuresTransactionCosts
    }

    /// The pre-execution authentication: each transaction's rejecting status, or nil (all nil when checks
    /// are off).
    public func authenticate<Rules: ChainRules>(_ transactions: [Rules.Transaction], rules: Rules) -> [ReceiptStatus?] {
        guard verifySignatures else { return [ReceiptStatus?](repeating: nil, count: transactions.count) }
        return Authentication.check(transactions, rules: rules, threads: signatureThreads)
    }
}
