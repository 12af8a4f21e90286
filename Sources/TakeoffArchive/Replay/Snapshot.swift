import Crypto
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
/// lanes, entry count, then each key and value in key order, then SHA-256 of everything before it. The
/// contents are written as a series of zstd frames of about a mebibyte each, which decompress as one
/// stream (so `zstd -d` gives the contents whole); export and import both stream them, holding about
/// ``streamingChunk`` entries in memory whatever the state's size.
public enum Snapshot {
    static let magic = Array("TKSNAP".utf8)
    /// 2: the 80-lane state commitment.
    static let formatVersion: UInt8 = 2
    /// The entries a snapshot import hands the store at a time, and about the bytes per export frame.
    public static let streamingChunk = 1 << 16
    static let frameBytes = 1 << 20

    /// Writes the store's current state to `path`, streaming it in frames.
    /// - Returns: the head the snapshot holds and its number of entries.
    /// - Throws: `StateStoreError`, or ``SnapshotError/io(path:reason:)`` when the file cannot be written;
    ///   `path` is then unchanged.
    @discardableResult
    public static func export(from store: StateStore, to path: String) throws -> (head: StoreHead, entries: Int) {
        func failed(_ error: FileError) -> SnapshotError {
            SnapshotError.io(path: path, reason: error.path == path ? error.reason ?? FileError.explain(error.code) : "\(error)")
        }
        // Refuses a directory (or any non-regular file) before doing the work; see AtomicFileWriter.
        let file: AtomicFileWriter
        do { file = try AtomicFileWriter(path: path) } catch { throw failed(error) }
        var writer = ByteWriter(capacity: frameBytes + 4096)
        var checksum = SHA256()
        func flush() throws {
            guard !writer.bytes.isEmpty else { return }
            checksum.update(data: writer.bytes)
            do { try file.write(try Zstd.compress(writer.bytes)) } catch let error as FileError { throw failed(error) }
            writer = ByteWriter(capacity: frameBytes + 4096)
        }
        var count = 0
        let head = try store.withSnapshot { snapshot in
            writer.write(raw: magic)
            writer.write(formatVersion)
            writer.write(snapshot.head.block)
            writer.write(snapshot.head.blockHash)
            for lane in snapshot.head.commitment.lanes { writer.write(lane) }
            let expected = try store.keyCount(in: snapshot)
            writer.write(UInt64(expected))
            try store.forEachEntry(in: snapshot) { key, value in
                key.encode(to: &writer)
                value.encode(to: &writer)
                count += 1
                if writer.bytes.count >= frameBytes { try flush() }
            }
            precondition(count == expected, "a read transaction's entry count matches its entries")
            return snapshot.head
        }
        try flush()
        let digest = Hash32(checksum.finalize())
        do {
            try file.write(try Zstd.compress(digest.bytes))
            try file.commit()
        } catch let error as FileError { throw failed(error) }
        return (head, count)
    }

    /// Loads the snapshot at `path` into an empty store, streaming its entries into the store in chunks.
    ///
    /// Damage anywhere is found before the store gets its head: a checksum or commitment mismatch, a bad
    /// frame or a truncated file leaves the store without a head (what was loaded is cleared by the next
    /// load).
    /// - Returns: the store's head.
    /// - Throws: ``SnapshotError`` for an unreadable, damaged or tampered file, and
    ///   `StateStoreError/alreadyInitialized(path:head:)` for a store that is not empty.
    @discardableResult
    public static func importSnapshot(from path: String, into store: StateStore) throws -> StoreHead {
        if let existing = try store.head() { throw StateStoreError.alreadyInitialized(path: store.path, head: existing.block) }
        var contents: SnapshotContents
        do { contents = try SnapshotContents(path: path) } catch let error as FileError {
            throw SnapshotError.io(path: path, reason: error.reason ?? FileError.explain(error.code))
        }
        let (head, count) = try contents.readHeader()
        var loaded: UInt64 = 0
        do {
            try store.load(head: head) {
                guard loaded < count else {
                    try contents.readChecksum()
                    return nil
                }
                let chunk = try contents.readEntries(Int(min(UInt64(streamingChunk), count - loaded)))
                loaded += UInt64(chunk.count)
                return chunk
            }
        } catch StateStoreError.commitmentMismatch {
            throw SnapshotError.corrupt(path: path, reason: "its entries do not add up to its commitment")
        } catch StateStoreError.unsortedEntries(let key) {
            throw SnapshotError.corrupt(path: path, reason: "entries out of key order at \(key)")
        }
        return head
    }
}

/// A snapshot file's contents read in order, decompressed a piece at a time, with the running checksum of
/// what has been read.
private struct SnapshotContents {
    let path: String
    let file: ZstdFileReader
    private var window: [UInt8] = []
    private var reader = ByteReader([UInt8]())
    private var hashedUpTo = 0
    private var checksum = SHA256()

    init(path: String) throws {
        self.path = path
        file = try ZstdFileReader(path: path)
    }

    /// The head and the number of entries.
    mutating func readHeader() throws -> (StoreHead, UInt64) {
        try read { reader throws(CodecError) in
            guard try reader.readBytes(count: Snapshot.magic.count, "snapshot magic") == Snapshot.magic else {
                throw CodecError.invalidValue(what: "snapshot", reason: "not a Takeoff snapshot")
            }
            let version = try reader.readUInt8("snapshot version")
            guard version == Snapshot.formatVersion else { throw CodecError.unsupportedVersion(what: "snapshot", version: version) }
            let block = try reader.readUInt64("head block")
            let hash = try reader.readHash("head hash")
            var lanes = ByteWriter(capacity: StateCommitment.byteCount)
            for _ in 0..<StateCommitment.laneCount { lanes.write(try reader.readUInt64("commitment lane")) }
            let commitment = try StateCommitment(encoded: lanes.bytes)
            return (StoreHead(block: block, blockHash: hash, commitment: commitment), try reader.readUInt64("entry count"))
        }
    }

    /// The next `count` entries.
    mutating func readEntries(_ count: Int) throws -> [(StateKey, StateValue)] {
        var entries: [(StateKey, StateValue)] = []
        entries.reserveCapacity(count)
        while entries.count < count {
            entries.append(try read { reader throws(CodecError) in (try StateKey.decode(from: &reader), try StateValue.decode(from: &reader)) })
        }
        return entries
    }

    /// Checks the closing checksum against everything before it, and that nothing follows it.
    mutating func readChecksum() throws {
        checksum.update(data: window[hashedUpTo..<reader.offset])
        hashedUpTo = reader.offset
        let computed = Hash32(checksum.finalize())
        let stored = try read { reader throws(CodecError) in try reader.readHash("checksum") }
        guard stored == computed else { throw SnapshotError.checksumMismatch(path: path) }
        guard reader.remaining == 0, try file.read(1).isEmpty else {
            throw SnapshotError.corrupt(path: path, reason: "bytes follow the checksum")
        }
    }

    /// Parses the next field, decompressing more of the file when the window ends inside it.
    private mutating func read<Value>(_ parse: (inout ByteReader) throws(CodecError) -> Value) throws -> Value {
        while true {
            var attempt = reader
            do throws(CodecError) {
                let value = try parse(&attempt)
                reader = attempt
                return value
            } catch {
                guard case .truncated = error, try refill() else { throw SnapshotError.corrupt(path: path, reason: "\(error)") }
            }
        }
    }

    /// Keeps the unread end of the window and appends the next decompressed piece; false at the end of the file.
    private mutating func refill() throws -> Bool {
        let next: [UInt8]
        do { next = try file.read(Snapshot.frameBytes) } catch let error as ZstdError {
            throw SnapshotError.corrupt(path: path, reason: "\(error)")
        }
        guard !next.isEmpty else { return false }
        checksum.update(data: window[hashedUpTo..<reader.offset])
        window = Array(window[reader.offset...]) + next
        reader = ByteReader(window)
        hashedUpTo = 0
        return true
    }
}
