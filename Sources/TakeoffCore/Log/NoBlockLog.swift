/// The log of a pipeline or procedure that has none: it has no values, so `nil` is the only `NoBlockLog?`.
/// TakeoffNode's `BlockPipeline(executor:store:)` and `Unwind.run(store:to:)` name it for you.
public enum NoBlockLog: BlockLog {
    public var location: String { switch self {} }
    public var firstBlock: UInt64? { switch self {} }
    public var head: UInt64? { switch self {} }
    public func append<Transaction: ChainTransaction>(_ block: ArchivedBlock<Transaction>) throws -> Int { switch self {} }
    public func appendGenesis(chunks next: () throws -> [(StateKey, StateValue)]?) throws -> GenesisSummary { switch self {} }
    public func read<Transaction: ChainTransaction>(_ number: UInt64, as: Transaction.Type) throws -> ArchivedBlock<Transaction> {
        switch self {}
    }
    public func readChanges(_ number: UInt64) throws -> ArchivedChanges { switch self {} }
    public func readGenesis<Result>(_ body: (BlockHeader, () throws -> [(StateKey, StateValue)]?) throws -> Result) throws -> Result {
        switch self {}
    }
    public func cut(after block: UInt64) throws { switch self {} }
}
