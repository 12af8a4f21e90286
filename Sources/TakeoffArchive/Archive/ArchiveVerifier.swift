import Dispatch
import TakeoffCore
import TakeoffIO

/// What ``BlockArchive/verify(from:to:anchors:progress:)`` checked.
public struct ArchiveVerification: Sendable, Encodable {
    /// The first and last blocks checked (nil when the archive is empty).
    public var fromBlock: UInt64?
    public var toBlock: UInt64?
    /// Blocks checked, and the transactions in them.
    public var blocks = 0
    public var transactions = 0
    /// Blocks whose state commitment was recomputed from the change sets since genesis and matched.
    public var commitmentsChecked = 0
    /// The trust anchors the archive's headers were found to match, in block order.
    public var anchorsChecked: [TrustAnchor] = []
    public var seconds = 0.0
}

extension BlockArchive {
    /// Checks blocks `from...to` (defaults: the whole archive) without a store: every record's framing and
    /// checksum, that it decodes, the hash chain, and that the header's digests (transactions, receipts,
    /// change set) match the block's contents. From genesis, each header's state commitment is also
    /// recomputed from the change sets (each names the values it replaces), so every commitment is checked.
    ///
    /// It needs no chain logic: transactions are checked as their encodings (`EncodedTransaction`).
    /// Read-only: it changes nothing.
    /// - Parameters:
    ///   - from: the first block to check; by default the archive's first.
    ///   - to: the last block to check; by default the archive's last.
    ///   - anchors: block hashes trusted from elsewhere, checked first against the archive's headers (an anchor
    ///     past `to` is an error).
    ///   - progress: called after each block with what was checked so far.
    /// - Throws: ``ArchiveError`` naming the segment, the first bad block and its byte offset, or
    ///   ``ArchiveError/blockNotFound(_:head:)`` for a range outside the archive; `TrustAnchorError`.
    public func verify(
        from: UInt64? = nil, to: UInt64? = nil, anchors: TrustAnchors = .none, progress: (ArchiveVerification) -> Void = { _ in }
    ) throws -> ArchiveVerification {
        var report = ArchiveVerification()
        guard let first = firstBlock, let last = head else {
            if let anchor = anchors.anchors.first { throw TrustAnchorError.notReached(block: anchor.block, last: 0) }
            return report
        }
        let start = from ?? first
        let end = to ?? last
        guard start <= end else { return report }
        for bound in [start, end] where bound < first || bound > last { throw ArchiveError.blockNotFound(bound, head: last) }
        report.anchorsChecked = try anchors.check(against: self, through: end)
        let clock = DispatchTime.now().uptimeNanoseconds
        var parentHash: Hash32? = start > first ? try read(start - 1, as: EncodedTransaction.self).header.hash : nil
        // The commitment can be followed only from genesis, where the state is known.
        var commitment: StateCommitment? = start == 0 ? .empty : nil
        for number in start...end {
            let block = try read(number, as: EncodedTransaction.self)
            let (segment, offset) = location(of: number)!
            func damaged(_ reason: String) -> ArchiveError { .corrupt(segment: segment, block: number, offset: offset, reason: reason) }
            // The checks apply mode and recovery make (`ReplayError`), reported as damage at the block's offset.
            func check(_ body: () throws(ReplayError) -> Void) throws {
                do throws(ReplayError) { try body() } catch { throw damaged(error.reason) }
            }
            if let parentHash { try check { () throws(ReplayError) in try ReplayError.checkLink(block.header, parentHash: parentHash) } }
            if number == 0 {
                var entries = try genesisEntries()
                var builder = GenesisBuilder()
                do {
                    while let chunk = try entries.next() { try builder.add(chunk) }
                } catch let error as GenesisError { throw damaged("\(error)") }
                let genesis = builder.finish()
                guard genesis.header == block.header else { throw damaged("the genesis header does not match its state") }
                commitment = genesis.commitment
                report.commitmentsChecked += 1
            } else {
                guard block.header.transactionCount == UInt32(block.transactions.count) else { throw damaged("the transaction count does not match the header") }
                guard Block<EncodedTransaction>.transactionsDigest(block.transactions) == block.header.transactionsDigest else {
                    throw damaged("the transactions do not match the header's digest")
                }
                guard BlockHeader.receiptsDigest(block.receipts) == block.header.receiptsDigest else {
                    throw damaged("the receipts do not match the header's digest")
                }
            }
            if number > 0 { try check { () throws(ReplayError) in try ReplayError.checkDigest(of: block.changeSet, against: block.header) } }
            if number > 0, var current = commitment {
                current.apply(block.changeSet)
                try check { () throws(ReplayError) in try ReplayError.checkCommitment(current, against: block.header) }
                commitment = current
                report.commitmentsChecked += 1
            }
            parentHash = block.header.hash
            if report.fromBlock == nil { report.fromBlock = number }
            report.toBlock = number
            report.blocks += 1
            report.transactions += block.transactions.count
            report.seconds = Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9
            progress(report)
        }
        return report
    }
}
