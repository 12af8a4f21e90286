import TakeoffCore
import TakeoffStore

/// Why a replay stopped. The store is left at the last block that passed every check.
public enum ReplayError: Error, CustomStringConvertible {
    /// The recomputed commitment is not the archived one.
    case commitmentMismatch(block: UInt64, archived: Hash32, computed: Hash32)
    /// Re-executing the block produced another header field than the archived one.
    case headerMismatch(block: UInt64, field: String, archived: Hash32, computed: Hash32)
    /// The block's parent hash is not the hash of the block before it.
    case brokenChain(block: UInt64, expectedParent: Hash32, archivedParent: Hash32)
    /// The block's contents do not match its own header (digest of transactions or change set).
    case inconsistentBlock(block: UInt64, reason: String)
    /// The store cannot continue from where the replay was asked to start.
    case cannotStart(String)

    public var description: String {
        switch self {
        case .commitmentMismatch(let block, let archived, let computed):
            "block \(block): state commitment mismatch: archived \(archived.hex), recomputed \(computed.hex)"
        case .headerMismatch(let block, let field, let archived, let computed):
            "block \(block): \(field) mismatch: archived \(archived.hex), recomputed \(computed.hex)"
        case .brokenChain(let block, let expected, let archived):
            "block \(block): parent hash \(archived.hex) is not the previous block's hash \(expected.hex)"
        case .inconsistentBlock(let block, let reason): "block \(block): \(reason)"
        case .cannotStart(let reason): reason
        }
    }
}
