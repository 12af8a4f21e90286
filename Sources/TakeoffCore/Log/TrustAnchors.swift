import Foundation

/// A block hash trusted from somewhere other than the archive or snapshot being read: a checkpoint an operator
/// publishes or pins.
public struct TrustAnchor: Hashable, Sendable, Encodable, CustomStringConvertible {
    /// The block number.
    public var block: UInt64
    /// The hash that block must have.
    public var hash: Hash32

    /// An anchor for `block`.
    public init(block: UInt64, hash: Hash32) {
        self.block = block
        self.hash = hash
    }

    /// Parses `BLOCK:HASH` (or `BLOCK HASH`), the hash as 64 hexadecimal digits.
    /// - Throws: ``TrustAnchorError/malformed(source:line:reason:)``.
    public init(parsing text: String, source: String = "argument", line: Int = 1) throws(TrustAnchorError) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
        guard parts.count == 2 else {
            throw .malformed(source: source, line: line, reason: "'\(text)' is not BLOCK:HASH or BLOCK HASH")
        }
        guard let block = UInt64(parts[0]) else {
            throw .malformed(source: source, line: line, reason: "'\(parts[0])' is not a block number")
        }
        guard let hash = try? Hash32(hex: parts[1]) else {
            throw .malformed(source: source, line: line, reason: "'\(parts[1])' is not a 32-byte hash in hexadecimal")
        }
        self.init(block: block, hash: hash)
    }

    public var description: String { "block \(block) hash \(hash.hex)" }

    private enum CodingKeys: String, CodingKey { case block, hash }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(block, forKey: .block)
        try container.encode(hash.hex, forKey: .hash)
    }
}

/// The block hashes an operator trusts, checked against what an archive or snapshot says of those blocks before
/// anything is replayed or loaded from it.
///
/// An archive or snapshot is checked only against itself otherwise: one rewritten from a forged genesis onwards, its
/// hashes recomputed, replays cleanly. Block hashes chain (each header names its parent's hash, block 0's header the
/// digest and commitment of the genesis state), and a replay checks every block it builds against its archived
/// header, so one trusted hash pins the whole history up to its block.
public struct TrustAnchors: Hashable, Sendable {
    /// The anchors, in block order, at most one per block.
    public private(set) var anchors: [TrustAnchor] = []

    /// No anchors: nothing is checked beyond the archive's own consistency.
    public static let none = TrustAnchors()

    private init() {}

    /// These anchors.
    /// - Throws: ``TrustAnchorError/conflicting(block:first:second:)`` for two hashes of one block.
    public init(_ anchors: [TrustAnchor]) throws(TrustAnchorError) {
        var byBlock: [UInt64: Hash32] = [:]
        for anchor in anchors {
            if let earlier = byBlock[anchor.block], earlier != anchor.hash {
                throw .conflicting(block: anchor.block, first: earlier, second: anchor.hash)
            }
            byBlock[anchor.block] = anchor.hash
        }
        self.anchors = byBlock.map { TrustAnchor(block: $0.key, hash: $0.value) }.sorted { $0.block < $1.block }
    }

    /// Parses a list of anchors, one `BLOCK HASH` (or `BLOCK:HASH`) a line; blank lines and lines starting with
    /// `#` are ignored. `source` names the list in errors.
    /// - Throws: ``TrustAnchorError``.
    public init(list text: String, source: String) throws(TrustAnchorError) {
        var anchors: [TrustAnchor] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.trimmingCharacters(in: .whitespaces)
            guard !content.isEmpty, !content.hasPrefix("#") else { continue }
            anchors.append(try TrustAnchor(parsing: content, source: source, line: index + 1))
        }
        try self.init(anchors)
    }

    /// Whether there are none.
    public var isEmpty: Bool { anchors.isEmpty }

    /// Checks every anchor against the log's header of its block, before a replay or verification of blocks up
    /// to `last` (which then checks each block it reaches against that header).
    /// - Returns: the anchors checked, in block order.
    /// - Throws: ``TrustAnchorError/notReached(block:last:)`` for an anchor past `last` (before anything is read),
    ///   ``TrustAnchorError/mismatch(block:trusted:found:)`` for the first block whose archived hash differs;
    ///   the log's error for a header that cannot be read.
    public func check(against log: some BlockLog, through last: UInt64) throws -> [TrustAnchor] {
        if let beyond = anchors.first(where: { $0.block > last }) { throw TrustAnchorError.notReached(block: beyond.block, last: last) }
        for anchor in anchors {
            let found = try log.readChanges(anchor.block).header.hash
            guard found == anchor.hash else { throw TrustAnchorError.mismatch(block: anchor.block, trusted: anchor.hash, found: found) }
        }
        return anchors
    }

    /// Checks a snapshot's head against the anchors: one of them must be for its block, and every one for that
    /// block must match. Anchors of other blocks say nothing about a snapshot and are not checked.
    /// - Returns: the anchor checked.
    /// - Throws: ``TrustAnchorError/notReached(block:last:)`` when no anchor is for the head's block,
    ///   ``TrustAnchorError/mismatch(block:trusted:found:)`` when it differs.
    public func check(head: StoreHead) throws(TrustAnchorError) -> TrustAnchor {
        guard let anchor = anchors.first(where: { $0.block == head.block }) else {
            throw .noAnchorForSnapshot(block: head.block, anchored: anchors.map(\.block))
        }
        guard anchor.hash == head.blockHash else { throw .mismatch(block: head.block, trusted: anchor.hash, found: head.blockHash) }
        return anchor
    }
}

/// A trust anchor that did not hold, could not be checked, or could not be read.
public enum TrustAnchorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The block's hash is not the trusted one.
    case mismatch(block: UInt64, trusted: Hash32, found: Hash32)
    /// An anchor is for a block past the last one checked: it would otherwise pass unchecked.
    case notReached(block: UInt64, last: UInt64)
    /// A snapshot was given anchors, none for its head block.
    case noAnchorForSnapshot(block: UInt64, anchored: [UInt64])
    /// Two anchors give one block two hashes.
    case conflicting(block: UInt64, first: Hash32, second: Hash32)
    /// An anchor that does not parse.
    case malformed(source: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .mismatch(let block, let trusted, let found):
            "block \(block): hash \(found.hex) is not the trusted anchor \(trusted.hex)"
        case .notReached(let block, let last):
            "the trust anchor for block \(block) is past block \(last), the last one checked here; it cannot be checked"
        case .noAnchorForSnapshot(let block, let anchored):
            "the snapshot's head is block \(block) and no trust anchor is for it (anchors for blocks "
                + "\(anchored.map(String.init).joined(separator: ", ")))"
        case .conflicting(let block, let first, let second):
            "two trust anchors for block \(block): \(first.hex) and \(second.hex)"
        case .malformed(let source, let line, let reason):
            "trust anchors \(source), line \(line): \(reason)"
        }
    }
}
