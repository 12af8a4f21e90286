import TakeoffCore

/// Why a ``BlockPipeline`` could not start.
public enum PipelineError: Error, CustomStringConvertible {
    /// The archive ends before the store's head: it is not this store's log.
    case archiveBehindStore(archive: String, archiveHead: UInt64, storeHead: UInt64)
    /// The store was unwound on purpose, and the archive still holds the blocks the unwind undid.
    case unwoundBlocksInArchive(store: String, archive: String, unwoundFrom: UInt64, storeHead: UInt64, archiveHead: UInt64)
    /// The archive does not start from the genesis state the pipeline was asked to start from.
    case genesisMismatch(archive: String)
    /// The store has no genesis state and the archive cannot give it one.
    case notStarted(store: String)
    /// A block the pipeline was given is not the one it asked for.
    case unexpectedBlock(expected: UInt64, got: UInt64)

    public var description: String {
        switch self {
        case .archiveBehindStore(let archive, let archiveHead, let storeHead):
            "the archive in \(archive) ends at block \(archiveHead) but the store is at block \(storeHead)"
        case .unwoundBlocksInArchive(let store, let archive, let unwoundFrom, let storeHead, let archiveHead):
            "the store was unwound from block \(unwoundFrom) to block \(storeHead) and the archive in \(archive) "
                + "still holds blocks \(storeHead + 1)...\(archiveHead); cut them with `takeoff unwind --db \(store) --archive "
                + "\(archive) --to \(storeHead)`, or replay them with `takeoff replay`"
        case .genesisMismatch(let archive): "the archive in \(archive) does not start from this genesis state"
        case .notStarted(let store): "the state store \(store) has no genesis state: start the pipeline from a genesis first"
        case .unexpectedBlock(let expected, let got): "asked for block \(expected), got block \(got)"
        }
    }
}
