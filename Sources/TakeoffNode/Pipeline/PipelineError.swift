import TakeoffCore

/// Why a ``BlockPipeline`` could not start.
public enum PipelineError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The log ends before the store's head: it is not this store's log.
    case logBehindStore(log: String, logHead: UInt64, storeHead: UInt64)
    /// The store was unwound on purpose, and the log still holds the blocks the unwind undid: they must be cut
    /// from the log, or replayed on purpose, before the pipeline goes on.
    case unwoundBlocksInLog(store: String, log: String, unwoundFrom: UInt64, storeHead: UInt64, logHead: UInt64)
    /// The log does not start from the genesis state the pipeline was asked to start from.
    case genesisMismatch(log: String)
    /// The store has no genesis state and the log cannot give it one.
    case notStarted(store: String)
    /// A block the pipeline was given is not the one it asked for.
    case unexpectedBlock(expected: UInt64, got: UInt64)

    public var description: String {
        switch self {
        case .logBehindStore(let log, let logHead, let storeHead):
            "the archive in \(log) ends at block \(logHead) but the store is at block \(storeHead)"
        case .unwoundBlocksInLog(_, let log, let unwoundFrom, let storeHead, let logHead):
            "the store was unwound from block \(unwoundFrom) to block \(storeHead) and the archive in \(log) "
                + "still holds blocks \(storeHead + 1)...\(logHead)"
        case .genesisMismatch(let log): "the archive in \(log) does not start from this genesis state"
        case .notStarted(let store): "the state store \(store) has no genesis state: start the pipeline from a genesis first"
        case .unexpectedBlock(let expected, let got): "asked for block \(expected), got block \(got)"
        }
    }
}
