import Crypto
import Foundation
import TakeoffCore
import TakeoffIO

/// Why a snapshot could not be written or read.
public enum SnapshotError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file cannot be read or written.
    case io(path: String, reason: String)
    /// The file is not a snapshot, or is damaged.
    case corrupt(path: String, reason: String)
    /// The checksum over the contents does not match.
    case checksumMismatch(path: String)
    /// The snapshot's commitment is not the one trusted.
    case untrustedCommitment(path: String, trusted: Hash32, found: Hash32)

    public var description: String {
        switch self {
        case .io(let path, let reason): "snapshot \(path): \(reason)"
        case .corrupt(let path, let reason): "snapshot \(path) is damaged: \(reason)"
        case .checksumMismatch(let path): "snapshot \(path) is damaged: checksum mismatch"
        case .untrustedCommitment(let path, let trusted, let found):
            "snapshot \(path): state commitment \(found.hex) is not the trusted \(trusted.hex)"
        }
    }
}

/// A whole state at one block, in one file: zstd-compressed, checksummed, carrying the head block, its hash
/// and the state commitment, so that a replay can start from it instead of from genesis.
///
/// Contents before compression (big-endian): `TKSNAP`, format version, head block, head hash, commitment
/// lanes, entry count, then each key and value in key order, then SHA-256 of everything before it. The
/// contents are written as a series of zstd frames of about a mebibyte each (`FramedStreamWriter`), which
/// decompress as one stream (so `zstd -d` gives the contents whole); export and import both stream them,
/// holding about ``streamingChunk`` entries in memory whatever the state's size.
public enum SnapshotFile {
    static let magic = Array("TKSNAP".utf8)
    /// 2: the 80-lane state commitment.
    static let formatVersion: UInt8 = 2
    /// The entries a snapshot import hands the store at a time.
    public static let streamingChunk = 1 << 16

    /// Writes the store's current state to `path`, streaming it in frames.
    /// - Returns: the head the snapshot holds and its number of entries.
    /// - Throws: the store's errors, or ``SnapshotError/io(path:reason:)`` when the file cannot be written;
    ///   `path` is then unchanged.
    @discardableResult
    public static func export(from store: some StateStore, to path: String) throws -> (head: StoreHead, entries: Int) {
        do {
            // Refuses a directory (or any non-regular file) before doing the work.
            let file = try FramedStreamWriter(path: path)
            var count = 0
            let head = try store.withReadView { view in
                let expected = try view.keyCount()
                try writeOpening(of: file, head: view.head, entryCount: expected)
                try view.forEachEntry { key, value in
                    try file.append { writer in
                        key.encode(to: &writer)
                        value.encode(to: &writer)
                    }
                    count += 1
                }
                precondition(count == expected, "a read transaction's entry count matches its entries")
                return view.head
            }
            try file.finish()
            return (head, count)
        } catch let error as FileError {
            throw SnapshotError.io(path: path, reason: error.path == path ? error.reason ?? FileError.explain(error.code) : "\(error)")
        }
    }

    /// Loads the snapshot at `path` into an empty store, streaming its entries into the store in chunks.
    ///
    /// Damage anywhere is found before the store gets its head: a checksum or commitment mismatch, a bad
    /// frame or a truncated file leaves the store without a head (what was loaded is cleared by the next
    /// load).
    /// - Returns: the store's head.
    /// - Throws: ``SnapshotError`` for an unreadable, damaged or tampered file, and
    ///   `StateStoreFault/alreadyLoaded(location:head:)` for a store that is not empty.
    @discardableResult
    public static func importSnapshot(from path: String, into store: some StateStore) throws -> StoreHead {
        try importSnapshot(from: path, into: store, trusting: .none)
    }

    /// Loads a snapshot as ``importSnapshot(from:into:)`` does, once its head is found to be trusted: the head's
    /// hash must match `anchors`' anchor for its block and its commitment `commitment`, whichever are given,
    /// before any entry is loaded (the load then checks that the entries give that commitment).
    /// - Throws: `TrustAnchorError` or ``SnapshotError/untrustedCommitment(path:trusted:found:)``, with the
    ///   store left empty; and as ``importSnapshot(from:into:)``.
    @discardableResult
    public static func importSnapshot(
        from path: String, into store: some StateStore, trusting anchors: TrustAnchors, commitment: Hash32? = nil
    ) throws -> StoreHead {
        if let existing = try store.head() { throw StateStoreFault.alreadyLoaded(location: store.location, head: existing.block) }
        var contents = try Reader(path: path)
        let head = contents.head
        if !anchors.isEmpty { _ = try anchors.check(head: head) }
        if let commitment, commitment != head.commitment.digest {
            throw SnapshotError.untrustedCommitment(path: path, trusted: commitment, found: head.commitment.digest)
        }
        do {
            try store.loadSnapshot(head: head) { try contents.next() }
        } catch StateStoreFault.commitmentMismatch {
            throw SnapshotError.corrupt(path: path, reason: "its entries do not add up to its commitment")
        } catch GenesisError.unsortedKeys(let key, _) {
            throw SnapshotError.corrupt(path: path, reason: "entries out of key order at \(key)")
        }
        return head
    }

    /// Writes a snapshot's opening: magic, version, head and entry count.
    private static func writeOpening(of file: FramedStreamWriter, head: StoreHead, entryCount: Int) throws {
        try file.append { writer in
            writer.write(raw: magic)
            writer.write(formatVersion)
            writer.write(head.block)
            writer.write(head.blockHash)
            for lane in head.commitment.lanes { writer.write(lane) }
            writer.write(UInt64(entryCount))
        }
    }

    /// Writes a snapshot of a state that is not in a store: `head`, then the `entryCount` entries that `next`
    /// gives in increasing key order, chunk by chunk until nil (a checkpoint computed from another snapshot and a
    /// merged range). The file appears at `path` only once it is whole.
    /// - Throws: ``SnapshotError/io(path:reason:)``; whatever `next` throws; a precondition failure if `next`
    ///   gives another number of entries than `entryCount` (the caller counted them).
    public static func write(
        head: StoreHead, entryCount: Int, to path: String, chunks next: () throws -> [(StateKey, StateValue)]?
    ) throws {
        do {
            let file = try FramedStreamWriter(path: path)
            try writeOpening(of: file, head: head, entryCount: entryCount)
            var count = 0
            while let chunk = try next() {
                for (key, value) in chunk {
                    try file.append { writer in
                        key.encode(to: &writer)
                        value.encode(to: &writer)
                    }
                }
                count += chunk.count
            }
            precondition(count == entryCount, "a snapshot's entry count is counted before its entries are written")
            try file.finish()
        } catch let error as FileError {
            throw SnapshotError.io(path: path, reason: error.path == path ? error.reason ?? FileError.explain(error.code) : "\(error)")
        }
    }

    /// A snapshot file read as a stream: its head and entry count first, then its entries a chunk at a time.
    public struct Reader {
        /// The file.
        public let path: String
        /// The block, hash and commitment the snapshot holds.
        public let head: StoreHead
        /// How many entries follow.
        public let entryCount: UInt64
        private var contents: FramedStreamReader
        private var loaded: UInt64 = 0
        private var ended = false

        /// Opens `path` and reads its head.
        /// - Throws: ``SnapshotError`` for a file that cannot be read or is not a snapshot of this version.
        public init(path: String) throws(SnapshotError) {
            self.path = path
            do throws(FramedStreamError) {
                contents = try FramedStreamReader(path: path)
                (head, entryCount) = try contents.read { reader throws(CodecError) in
                    guard try reader.readBytes(count: magic.count, "snapshot magic") == magic else {
                        throw CodecError.invalidValue(what: "snapshot", reason: "not a Takeoff snapshot")
                    }
                    let version = try reader.readUInt8("snapshot version")
                    guard version == formatVersion else { throw CodecError.unsupportedVersion(what: "snapshot", version: version) }
                    let block = try reader.readUInt64("head block")
                    let hash = try reader.readHash("head hash")
                    var lanes = ByteWriter(capacity: StateCommitment.byteCount)
                    for _ in 0..<StateCommitment.laneCount { lanes.write(try reader.readUInt64("commitment lane")) }
                    let commitment = try StateCommitment(encoded: lanes.bytes)
                    return (StoreHead(block: block, blockHash: hash, commitment: commitment), try reader.readUInt64("entry count"))
                }
            } catch { throw Self.failed(error, path) }
        }

        /// The next chunk of at most ``SnapshotFile/streamingChunk`` entries in key order, or nil after the last
        /// (once the closing checksum is found right).
        /// - Throws: ``SnapshotError`` for a damaged or truncated file.
        public mutating func next() throws(SnapshotError) -> [(StateKey, StateValue)]? {
            guard !ended else { return nil }
            do throws(FramedStreamError) {
                guard loaded < entryCount else {
                    try contents.readChecksum()
                    ended = true
                    return nil
                }
                let size = Int(min(UInt64(streamingChunk), entryCount - loaded))
                var chunk: [(StateKey, StateValue)] = []
                chunk.reserveCapacity(size)
                while chunk.count < size {
                    chunk.append(try contents.read { reader throws(CodecError) in (try StateKey.decode(from: &reader), try StateValue.decode(from: &reader)) })
                }
                loaded += UInt64(size)
                return chunk
            } catch { throw Self.failed(error, path) }
        }

        private static func failed(_ error: FramedStreamError, _ path: String) -> SnapshotError {
            switch error {
            case .io(let error): .io(path: path, reason: error.reason ?? FileError.explain(error.code))
            case .damaged(let reason): .corrupt(path: path, reason: reason)
            case .checksumMismatch: .checksumMismatch(path: path)
            }
        }
    }
}
