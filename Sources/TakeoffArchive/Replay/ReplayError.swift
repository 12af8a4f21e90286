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

extension ReplayError {
    /// Compares a re-executed block's header with the archived one, naming the first field that differs.
    static func check(_ computed: BlockHeader, against archived: BlockHeader) throws(ReplayError) {
        if computed.stateCommitment != archived.stateCommitment {
            throw ReplayError.commitmentMismatch(block: archived.number, archived: archived.stateCommitment, computed: computed.stateCommitment)
        }
        for (field, left, right) in [
            ("transactions digest", archived.transactionsDigest, computed.transactionsDigest),
            ("receipts digest", archived.receiptsDigest, computed.receiptsDigest),
            ("change set digest", archived.changeSetDigest, computed.changeSetDigest),
            ("parent hash", archived.parentHash, computed.parentHash),
        ] where left != right {
            throw ReplayError.headerMismatch(block: archived.number, field: field, archived: left, computed: right)
        }
        if computed != archived {
            throw ReplayError.headerMismatch(block: archived.number, field: "header", archived: archived.hash, computed: computed.hash)
        }
    }
}
