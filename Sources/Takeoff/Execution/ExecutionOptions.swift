import Foundation

/// Settings shared by every executor.
public struct ExecutionOptions: Hashable, Sendable {
    /// Verify every transaction's signature before execution. Turn it off only for input that was verified
    /// already (replaying an archive) or that carries no signatures (unsigned benchmark workloads).
    public var verifySignatures: Bool
    /// Extra rounds of SHA-256 every transaction does, to model heavier transaction logic. They change no
    /// state.
    public var workRoundsPerTransaction: Int

    /// Threads for pre-execution signature checks: they share no state, so even the sequential executor
    /// spreads them over every core.
    public var signatureThreads: Int

    /// Creates options.
    public init(
        verifySignatures: Bool = true, workRoundsPerTransaction: Int = 0,
        signatureThreads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.verifySignatures = verifySignatures
        self.workRoundsPerTransaction = workRoundsPerTransaction
        self.signatureThreads = signatureThreads
    }

    /// The pre-execution signature check: whether each transaction's signature is valid (all true when
    /// checks are off).
    public func checkSignatures(of transactions: [Transaction]) -> [Bool] {
        guard verifySignatures else { return [Bool](repeating: true, count: transactions.count) }
        return SignatureVerifier.verify(transactions, threads: signatureThreads)
    }
}
