/// Why a block from a log was refused, or a replay could not start. Whoever applies or re-executes blocks
/// stops at the first bad one, leaving the store at the last block that passed every check.
public enum ReplayError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The recomputed commitment is not the archived one.
    case commitmentMismatch(block: UInt64, archived: Hash32, computed: Hash32)
    /// Re-executing the block produced another header field than the archived one.
    case headerMismatch(block: UInt64, field: String, archived: Hash32, computed: Hash32)
    /// The block's parent hash is not the hash of the block before it.
    case brokenChain(block: UInt64, expectedParent: Hash32, archivedParent: Hash32)
    /// The block's contents do not match its own header (digest of transactions or change set).
    case inconsistentBlock(block: UInt64, reason: String)
    /// The log holds no block.
    case emptyLog(location: String)
    /// The last block asked for is past the log's last block.
    case pastLogHead(requested: UInt64, head: UInt64)
    /// Starting at `from` would skip blocks: the store is at `storeHead`.
    case gap(storeHead: UInt64, from: UInt64)
    /// The store is empty and the log does not start at genesis (block 0) but at `firstBlock`.
    case noGenesis(firstBlock: UInt64?)
    /// The state a replay or checkpoint starts from (a store's head, a snapshot's) is not the log's state at its
    /// block: `field` (the block hash or the state commitment) differs from the logged header's.
    case startMismatch(block: UInt64, field: String, archived: Hash32, found: Hash32)

    /// What is wrong, without the block number (for messages that name the block otherwise).
    public var reason: String {
        switch self {
        case .commitmentMismatch(_, let archived, let computed):
            "state commitment mismatch: archived \(archived.hex), recomputed \(computed.hex)"
        case .headerMismatch(_, let field, let archived, let computed): "\(field) mismatch: archived \(archived.hex), recomputed \(computed.hex)"
        case .brokenChain(_, let expected, let archived): "parent hash \(archived.hex) is not the previous block's hash \(expected.hex)"
        case .inconsistentBlock(_, let reason): reason
        case .emptyLog(let location): "the block log \(location) is empty"
        case .pastLogHead(let requested, let head): "block \(requested) is past the archive's last block \(head)"
        case .gap(let storeHead, let from):
            "the store is at block \(storeHead); replaying from block \(from) would skip blocks \(storeHead + 1)...\(from - 1)"
        case .noGenesis(let first):
            "the store is empty and the log does not start at genesis (block 0)\(first.map { " but at block \($0)" } ?? "")"
        case .startMismatch(let block, let field, let archived, let found):
            "the starting state is not the log's state at block \(block): its \(field) is \(found.hex), the logged header's \(archived.hex)"
        }
    }

    /// The block refused, if the error is about one.
    public var block: UInt64? {
        switch self {
        case .commitmentMismatch(let block, _, _), .headerMismatch(let block, _, _, _), .brokenChain(let block, _, _),
            .inconsistentBlock(let block, _):
            block
        case .emptyLog, .pastLogHead, .gap, .noGenesis, .startMismatch: nil
        }
    }

    public var description: String { block.map { "block \($0): \(reason)" } ?? reason }
}

extension ReplayError {
    /// Checks that `header` names `parentHash` as its parent: the block follows the one before it.
    public static func checkLink(_ header: BlockHeader, parentHash: Hash32) throws(ReplayError) {
        guard header.parentHash == parentHash else {
            throw .brokenChain(block: header.number, expectedParent: parentHash, archivedParent: header.parentHash)
        }
    }

    /// Checks that a starting state's head (a store's or a snapshot's) is the logged state at its block: the same
    /// block hash and the same state commitment as `header`, the logged header of that block.
    public static func checkStart(_ head: StoreHead, against header: BlockHeader) throws(ReplayError) {
        precondition(head.block == header.number, "a starting state is checked against its own block's header")
        if head.blockHash != header.hash {
            throw .startMismatch(block: head.block, field: "block hash", archived: header.hash, found: head.blockHash)
        }
        if head.commitment.digest != header.stateCommitment {
            throw .startMismatch(block: head.block, field: "state commitment", archived: header.stateCommitment, found: head.commitment.digest)
        }
    }

    /// Checks that `changeSet` is the one `header` names (its digest).
    public static func checkDigest(of changeSet: ChangeSet, against header: BlockHeader) throws(ReplayError) {
        guard changeSet.digest == header.changeSetDigest else {
            throw .inconsistentBlock(block: header.number, reason: "the change set does not match the header's digest")
        }
    }

    /// Checks that `commitment`, the state's after the block, is the one `header` records.
    public static func checkCommitment(_ commitment: StateCommitment, against header: BlockHeader) throws(ReplayError) {
        guard commitment.digest == header.stateCommitment else {
            throw .commitmentMismatch(block: header.number, archived: header.stateCommitment, computed: commitment.digest)
        }
    }

    /// Compares a re-executed block's header with the archived one, naming the first field that differs.
    public static func check(_ computed: BlockHeader, against archived: BlockHeader) throws(ReplayError) {
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
