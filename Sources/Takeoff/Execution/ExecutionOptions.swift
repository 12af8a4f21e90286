/// Settings shared by every executor.
public struct ExecutionOptions: Hashable, Sendable {
    /// Verify every transaction's signature before execution. Turn it off only for input that was verified
    /// already (replaying an archive) or that carries no signatures (unsigned benchmark workloads).
    public var verifySignatures: Bool
    /// Extra rounds of SHA-256 every transaction does, to model heavier transaction logic. They change no
    /// state.
    public var workRoundsPerTransaction: Int

    /// Creates options.
    public init(verifySignatures: Bool = true, workRoundsPerTransaction: Int = 0) {
        self.verifySignatures = verifySignatures
        self.workRoundsPerTransaction = workRoundsPerTransaction
    }
}
