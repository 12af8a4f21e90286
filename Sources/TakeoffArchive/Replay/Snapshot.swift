import Foundation
import TakeoffCore
import TakeoffStore

/// Why a snapshot could not be written or read.
public enum SnapshotError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file cannot be read or written.
    case io(path: String, reason: String)
    /// The file is not a snapshot, or is damaged.
    case corrupt(path: String, reason: String)
    /// The checksum over the contents does not match.
    case checksumMismatch(path: String)

    public var description: String {
        switch self {
        case .io(let path, let reason): "snapshot \(path): \(reason)"
        case .corrupt(let path, let reason): "snapshot \(path) is damaged: \(reason)"
        case .checksumMismatch(let path): "snapshot \(path) is damaged: checksum mismatch"
        }
    }
}

/// A whole state at one block, in one file: zstd-compressed, checksummed, carrying the head block, its hash
/// and the state commitment, so that a replay can start from it instead of from genesis.
///
/// Contents before compression (big-endian): `TKSNAP`, format version, head block, head hash, commitment
/// lanes, entry count, then each key and value, then SHA-256 of everything before it.
public enum Snapshot {
    static let magic = Array("TKSNAP".utf8)
    /// 2: the 80-lane state commitment.
    static let formatVersion: UInt8 = 2

    /// Writes the store's current state to `path`.
    /// - Returns: the head the snapshot holds and its number of entries.
    /// - Throws: `StateStoreError`, or ``SnapshotError/io(path:reason:)`` when the file cannot be written.
    @discardableResult
    public static func export(from store: StateStore, to path: String) throws -> (head: StoreHead, entries: Int) {
        // Refuse a directory (or any non-regular file) before doing the work.
        do { try AtomicFileWriter.checkReplaceable(path) } catch {
            throw SnapshotError.io(path: path, reason: error.reason ?? FileError.explain(error.code))
        }
        var writer = ByteWriter(capacity: 1 << 20)
        var count = 0
        let head = try store.withSnapshot { snapshot in
            writer.write(raw: magic)
            writer.write(formatVersion)
            writer.write(snapshot.head.block)
            writer.write(snapshot.head.blockHash)
            for lane in snapshot.head.commitment.lanes { writer.write(lane) }
            let countOffset = writer.bytes.count
            writer.write(UInt64(0))
            try store.forEachEntry(in: snapshot) { key, value in
                key.encode(to: &writer)
                value.encode(to: &writer)
                count += 1
            }
            var countBytes = ByteWriter(capacity: 8)
            countBytes.write(UInt64(count))
            writer.bytes.replaceSubrange(countOffset..<countOffset + 8, with: countBytes.bytes)
            return snapshot.head
        }
        writer.write(Hash32.sha256(writer.bytes))
        let compressed = try Zstd.compress(writer.bytes)
        // Durable and atomic, and never over anything but a regular file: see AtomicFileWriter.
        do { try AtomicFileWriter.write(compressed, to: path) } catch {
            throw SnapshotError.io(path: path, reason: error.path == path ? error.reason ?? FileError.explain(error.code) : "\(error)")
        }
        return (head, count)
    }

    /// Loads the snapshot at `path` into an empty store.
    /// - Returns: the store's head.
    /// - Throws: ``SnapshotError`` for an unreadable, damaged or tampered file (nothing is written then), and
    ///   `StateStoreError/alreadyInitialized(path:head:)` for a store that is not empty.
    @discardableResult
    public static func importSnapshot(from path: String, into store: StateStore) throws -> StoreHead {
        if let existing = try store.head() { throw StateStoreError.alreadyInitialized(path: store.path, head: existing.block) }
        guard let data = FileManager.default.contents(atPath: path) else { throw SnapshotError.io(path: path, reason: "cannot read it") }
        let bytes: [UInt8]
        do { bytes = try Zstd.decompress([UInt8](data)) } catch {
            throw SnapshotError.corrupt(path: path, reason: "\(error)")
        }
        guard bytes.count >= 32, Hash32.sha256(bytes[..<(bytes.count - 32)]) == (try? Hash32(bytes: bytes.suffix(32))) else {
            throw SnapshotError.checksumMismatch(path: path)
        }
        let decoded: (StoreHead, [(StateKey, StateValue)])
        do throws(CodecError) {
            var reader = ByteReader(Array(bytes[..<(bytes.count - 32)]))
            guard try reader.readBytes(count: magic.count, "snapshot magic") == magic else {
                throw CodecError.invalidValue(what: "snapshot", reason: "not a Takeoff snapshot")
            }
            let version = try reader.readUInt8("snapshot version")
            guard version == formatVersion else { throw CodecError.unsupportedVersion(what: "snapshot", version: version) }
            let block = try reader.readUInt64("head block")
            let hash = try reader.readHash("head hash")
            var lanes: [UInt8] = []
            for _ in 0..<StateCommitment.laneCount {
                var lane = ByteWriter(capacity: 8)
                lane.write(try reader.readUInt64("commitment lane"))
                lanes += lane.bytes
            }
            let commitment = try StateCommitment(encoded: lanes)
            let count = try reader.readUInt64("entry count")
            guard count <= UInt64(reader.remaining / 22) else {
                throw CodecError.invalidValue(what: "snapshot", reason: "entry count \(count) exceeds what the file holds")
            }
            var entries: [(StateKey, StateValue)] = []
            entries.reserveCapacity(Int(count))
            for _ in 0..<count { entries.append((try StateKey.decode(from: &reader), try StateValue.decode(from: &reader))) }
            try reader.expectEnd(of: "snapshot")
            decoded = (StoreHead(block: block, blockHash: hash, commitment: commitment), entries)
        } catch {
            throw SnapshotError.corrupt(path: path, reason: "\(error)")
        }
        try loadChecked(decoded.1, head: decoded.0, into: store, path: path)
        return decoded.0
    }

    /// Loads the decoded entries; what is wrong with them is the file's fault, what is wrong with the store
    /// (not empty, a full disk) is not, and keeps its own error.
    private static func loadChecked(_ entries: [(StateKey, StateValue)], head: StoreHead, into store: StateStore, path: String) throws {
        do {
            try store.load(entries, head: head)
        } catch StateStoreError.commitmentMismatch {
            throw SnapshotError.corrupt(path: path, reason: "its entries do not add up to its commitment")
        } catch StateStoreError.unsortedEntries(let key) {
            throw SnapshotError.corrupt(path: path, reason: "entries out of key order at \(key)")
        }
    }
}
