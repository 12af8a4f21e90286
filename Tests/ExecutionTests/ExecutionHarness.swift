import Takeoff

/// Runs blocks on the sequential executor over an in-memory state, for rule tests.
struct ExecutionHarness {
    static let collector = Address(space: 0xFEE, index: 0)
    var state: InMemoryState
    var head: StoreHead
    var options = ExecutionOptions(verifySignatures: false)

    init(_ entries: [StateKey: StateValue]) {
        state = InMemoryState(entries)
        head = state.genesis.head
    }

    /// Executes one block with the built-in logic and applies its changes.
    mutating func run(_ transactions: [BuiltinTransaction]) throws -> ExecutedBlock<BuiltinTransaction> {
        try run(transactions, logic: BuiltinTransactionLogic())
    }

    /// Executes one block with `logic` and applies its changes.
    mutating func run<Logic: TransactionLogic>(
        _ transactions: [Logic.Transaction], logic: Logic
    ) throws -> ExecutedBlock<Logic.Transaction> {
        let executor = SequentialExecutor(logic: logic, options: options)
        let context = BlockContext(number: head.block + 1, timestamp: 0, feeCollector: Self.collector)
        let executed = try executor.execute(transactions, context: context, parent: head, state: state)
        state.apply(executed.changeSet)
        head = executed.head
        return executed
    }

    /// Runs one transaction and returns its receipt.
    mutating func receipt(_ transaction: BuiltinTransaction) throws -> Receipt { try run([transaction]).receipts[0] }

    func account(_ address: Address) -> Account? {
        if case .account(let account)? = state.value(for: .account(address)) { return account }
        return nil
    }

    func amount(_ key: StateKey) -> UInt128? { state.value(for: key)?.amountValue }
}
