/// How the payload of a transaction ended.
public struct PayloadOutcome: Hashable, Sendable {
    /// ``ReceiptStatus/success`` or the failure. On a failure the engine discards the payload's writes.
    public var status: ReceiptStatus
    /// The gas the payload used.
    public var gasUsed: UInt64
    /// The events the payload announced, for its receipt; the engine drops them on a failure.
    public var events: [ReceiptEvent]

    /// Creates an outcome.
    /// - Precondition: at most `Receipt.maximumEvents` events.
    public init(status: ReceiptStatus, gasUsed: UInt64, events: [ReceiptEvent] = []) {
        precondition(events.count <= Receipt.maximumEvents, "a payload announces at most \(Receipt.maximumEvents) events")
        self.status = status
        self.gasUsed = gasUsed
        self.events = events
    }

    /// A success that used `gasUsed` and announced `events`.
    public static func success(gasUsed: UInt64, events: [ReceiptEvent] = []) -> PayloadOutcome {
        PayloadOutcome(status: .success, gasUsed: gasUsed, events: events)
    }

    /// A failure with `status` that used `gasUsed`.
    public static func failure(_ status: ReceiptStatus, gasUsed: UInt64) -> PayloadOutcome {
        PayloadOutcome(status: status, gasUsed: gasUsed)
    }
}

/// A chain's transaction logic: what a transaction's payload does to the state.
///
/// The engine runs a transaction in two steps: the chain's ``rules`` (a ``ChainRules``) authenticate it
/// before execution and check and charge its envelope (nonce, fee), and only then is ``execute(_:in:state:)``
/// called. A failing payload keeps what the envelope charged but loses its own writes.
///
/// Implementations must be deterministic functions of the transaction, the block context and what they
/// read: the parallel executor may run a transaction several times and keeps only its last run, so reading
/// clocks, random numbers or anything outside `state` breaks the guarantee that parallel and sequential
/// execution agree.
public protocol TransactionLogic: Sendable {
    /// The chain's transaction type.
    associatedtype Transaction: ChainTransaction
    /// The chain's envelope rules.
    associatedtype Rules: ChainRules where Rules.Transaction == Transaction

    /// The envelope rules the engine applies before ``execute(_:in:state:)``.
    var rules: Rules { get }

    /// Runs `transaction`'s payload over `state`.
    /// - Parameters:
    ///   - transaction: the transaction; its envelope is already charged in `state`.
    ///   - block: the block it runs in.
    ///   - state: reads and writes as of this transaction's place in the block.
    /// - Returns: the payload's status and gas used.
    /// - Throws: only the ``ExecutionInterrupted`` that `state` throws, passed on.
    func execute(
        _ transaction: Transaction, in block: BlockContext, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> PayloadOutcome

    /// Keys `transaction`'s payload will probably write; see the default implementation.
    func conflictKeys(of transaction: Transaction) -> [StateKey]?

    /// Calls `body` with keys `transaction`'s payload will probably read; see the default implementation.
    func forEachLikelyRead(of transaction: Transaction, _ body: (StateKey) -> Void)
}

extension TransactionLogic {
    /// Keys `transaction`'s payload will probably write, other than the envelope's
    /// (``ChainRules/forEachEnvelopeWrite(of:_:)``) and commutative credits: the parallel executor uses them
    /// to spot blocks that are chains of dependencies before it starts. Return nil (the default) when you
    /// cannot tell; a wrong answer costs speed, never correctness.
    public func conflictKeys(of transaction: Transaction) -> [StateKey]? { nil }

    /// Keys `transaction`'s payload will probably read (the envelope's keys are prefetched already): the
    /// executors ask the state to prefetch them a few transactions ahead. The default names the
    /// ``conflictKeys(of:)``; a logic on the hot path names them without allocating. A wrong answer costs a
    /// wasted prefetch, never correctness.
    public func forEachLikelyRead(of transaction: Transaction, _ body: (StateKey) -> Void) {
        conflictKeys(of: transaction)?.forEach(body)
    }
}
