import TakeoffCore

/// Rolls a store back to an earlier block, and its log with it: the store is unwound, the log cut after the same
/// block, and the store's unwind record cleared once the log no longer holds the undone blocks. Without a log,
/// the record stays, so that a pipeline given the old log later refuses to re-apply what was undone.
///
/// A crash at any step leaves something the next step, or the next call, finishes: an unwound store whose log
/// still holds the blocks keeps its record (the pipeline refuses to start until the log is cut), and the log's
/// cut is recorded before it is made.
///
/// Open the log for writing before calling this (a log that cannot be opened then leaves the store untouched).
public enum Unwind {
    /// What an unwind did.
    public struct Result: Hashable, Sendable {
        /// The store's head before and after.
        public var from: UInt64
        public var head: StoreHead
        /// The log's last block after the cut (nil without a log, or for an empty one).
        public var logHead: UInt64?
    }

    /// Rolls `store` back to right after `block`, and cuts `log` back to it.
    /// - Throws: ``UnwindError`` before anything is changed when the unwind cannot be done; the store's and the
    ///   log's errors.
    @discardableResult
    public static func run(store: some StateStore, log: (some BlockLog)?, to block: UInt64) throws -> Result {
        guard let before = try store.head() else { throw UnwindError.emptyStore(location: store.location) }
        guard block <= before.block else { throw UnwindError.storeBehind(storeHead: before.block, target: block) }
        if let log, let first = log.firstBlock, block < first {
            throw UnwindError.logStartsAfter(location: log.location, firstBlock: first, target: block)
        }
        let head = try store.unwind(to: block)
        if let log {
            try log.cut(after: head.block)
            try store.clearUnwindRecord()
        }
        return Result(from: before.block, head: head, logHead: log?.head)
    }

    /// Rolls `store` back to right after `block`, with no log to cut: the store keeps its unwind record.
    @discardableResult
    public static func run(store: some StateStore, to block: UInt64) throws -> Result {
        try run(store: store, log: NoBlockLog?.none, to: block)
    }
}

/// Why ``Unwind`` refused, before changing anything.
public enum UnwindError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The store holds no state.
    case emptyStore(location: String)
    /// The store's head is before the block to go back to.
    case storeBehind(storeHead: UInt64, target: UInt64)
    /// The log starts after the block to go back to: cutting it would leave nothing that reaches that block.
    case logStartsAfter(location: String, firstBlock: UInt64, target: UInt64)

    public var description: String {
        switch self {
        case .emptyStore(let location): "the store in \(location) is empty"
        case .storeBehind(let storeHead, let target): "the store is at block \(storeHead), before block \(target)"
        case .logStartsAfter(let location, let first, let target): "the archive in \(location) starts at block \(first), after block \(target)"
        }
    }
}
