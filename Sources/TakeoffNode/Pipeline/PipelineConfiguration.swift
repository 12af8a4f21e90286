import TakeoffCore

/// How a ``BlockPipeline`` buffers blocks between its stages and batches its store commits.
public struct PipelineConfiguration: Hashable, Sendable {
    /// Blocks each queue between two stages holds at most: how far a stage may run ahead of the next one.
    public var queueDepth: Int
    /// With the archive as the log (or replaying from it): commit to the store once this many blocks wait...
    public var commitBlocks: Int
    /// ...or once the first waiting block has waited this many seconds, whichever comes first.
    public var commitInterval: Double
    /// Keys whose latest value the pipeline keeps in memory after the store has committed them, so that the
    /// next blocks read them without going through the store (about 100 bytes each). Past this many, the
    /// cache is emptied of what the store holds.
    public var cachedKeys: Int
    /// Blocks that carry their recorded access sets (a replay's) are executed in groups of consecutive blocks
    /// while a group holds at most this many transactions (0: every block on its own), so that small blocks
    /// overlap (`BlockExecutor.execute(group:parent:state:)`). A block larger than this runs on its own.
    public var crossBlockTransactions: Int
    /// Blocks in one such group, at most. A group is the block the execution stage takes and those prepared
    /// behind it, so it holds at most ``queueDepth`` + 1 blocks: a replay that wants larger groups deepens
    /// the queues.
    public var crossBlockBlocks: Int

    /// Creates a configuration.
    /// - Parameters:
    ///   - queueDepth: blocks each queue between two stages holds at most (at least 1).
    ///   - commitBlocks: blocks committed together at most (at least 1). A batch costs one sync and writes
    ///     each page it touches once, however many of its blocks changed it.
    ///   - commitInterval: seconds a block waits for its batch to fill, at most.
    ///   - cachedKeys: committed keys kept in memory for the next blocks to read, at most.
    ///   - crossBlockTransactions: transactions in a group of blocks executed together, at most (0: none).
    ///   - crossBlockBlocks: blocks in such a group, at most.
    public init(
        queueDepth: Int = 2, commitBlocks: Int = 16, commitInterval: Double = 1.0, cachedKeys: Int = 1 << 21,
        crossBlockTransactions: Int = 4_096, crossBlockBlocks: Int = 16
    ) {
        self.crossBlockTransactions = max(0, crossBlockTransactions)
        self.crossBlockBlocks = max(1, crossBlockBlocks)
        self.cachedKeys = max(0, cachedKeys)
        self.queueDepth = max(1, queueDepth)
        self.commitBlocks = max(1, commitBlocks)
        self.commitInterval = max(0, commitInterval)
    }
}

/// One block for a ``BlockPipeline`` to execute.
public struct PipelineBlock<Transaction: ChainTransaction>: Sendable {
    /// The transactions, in order.
    public var transactions: [Transaction]
    /// The block's context; its number must be the one the pipeline asked for.
    public var context: BlockContext
    /// The access sets recorded when the block was first executed (a replay has them), as the executor's
    /// dependency hints.
    public var accessHints: [AccessSet]?

    /// Creates a block to execute.
    public init(transactions: [Transaction], context: BlockContext, accessHints: [AccessSet]? = nil) {
        self.transactions = transactions
        self.context = context
        self.accessHints = accessHints
    }
}

/// Where one pipeline stage spent its time.
public struct PipelineStageTime: Hashable, Sendable, Encodable {
    /// The stage: "source" (the caller's thread, making or reading blocks), "pre-execution", "execution",
    /// "archive" (appending to the log) or "commit".
    public var stage: String
    /// Seconds doing its own work.
    public var busySeconds = 0.0
    /// Seconds waiting for the stage before it (its input queue empty).
    public var starvedSeconds = 0.0
    /// Seconds waiting for the stage after it (its output queue full).
    public var blockedSeconds = 0.0
    /// The most blocks its input queue held at once.
    public var queueHighWaterMark = 0

    /// A stage's empty account.
    public init(stage: String) { self.stage = stage }
}

/// What a pipeline run did.
public struct PipelineReport: Sendable, Encodable {
    /// Blocks executed and made durable.
    public var blocks = 0
    /// Their transactions.
    public var transactions = 0
    /// Wall-clock seconds from the first block asked for to the last one committed.
    public var seconds = 0.0
    /// Transactions per second.
    public var tps = 0.0
    /// Store commits (each a batch of one or more blocks).
    public var storeCommits = 0
    /// The store's head after the run.
    public var headBlock: UInt64 = 0
    /// Its state commitment, in hex.
    public var stateCommitment = ""
    /// Each stage's time, in pipeline order.
    public var stages: [PipelineStageTime] = []
    /// Each block's execution time.
    public var executionLatency = LatencyHistogram()
    /// Each store commit's time (a commit holds one block or a batch).
    public var commitLatency = LatencyHistogram()
}
