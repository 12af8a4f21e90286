import TakeoffCore
import TakeoffIO

/// Block 0's entries for an archive whose genesis is streamed rather than held whole: the file
/// `genesis.state` beside the segments, written by `FramedStreamWriter` (zstd frames of about a mebibyte,
/// a closing checksum).
///
/// Contents before compression (big-endian): `TKGENS`, format version, then chunks, each an entry count
/// (`UInt32`, not 0) followed by that many keys and values, keys increasing across the whole file; a count
/// of 0 ends the entries, and the checksum follows. Block 0's record then holds the header with an empty
/// change set, and the header's change-set digest and commitment are those of these entries: every reader
/// checks them, so a file swapped or damaged is found.
enum GenesisStateFile {
    static let name = "genesis.state"
    static let magic = Array("TKGENS".utf8)
    static let formatVersion: UInt8 = 1
    /// The most entries one chunk may hold: a forged count cannot make the reader allocate more.
    static let maximumChunk = 1 << 20

    /// Writes the entries that `next` gives, until nil, to `path`, and sums them into block 0's header.
    /// - Throws: `GenesisError` for keys out of order, `FileError` when the file cannot be written (nothing is
    ///   at `path` then).
    static func write(to path: String, chunks next: () throws -> [(StateKey, StateValue)]?) throws -> GenesisSummary {
        let file = try FramedStreamWriter(path: path)
        try file.append { writer in
            writer.write(raw: magic)
            writer.write(formatVersion)
        }
        var builder = GenesisBuilder()
        while let entries = try next() {
            try builder.add(entries)
            for start in stride(from: 0, to: entries.count, by: maximumChunk) {
                let chunk = entries[start..<min(entries.count, start + maximumChunk)]
                try file.append { writer in writer.write(UInt32(chunk.count)) }
                for (key, value) in chunk {
                    try file.append { writer in
                        key.encode(to: &writer)
                        value.encode(to: &writer)
                    }
                }
            }
        }
        try file.append { writer in writer.write(UInt32(0)) }
        try file.finish()
        return builder.finish()
    }

    /// Reads the file's chunks in order.
    struct Reader {
        let path: String
        private var contents: FramedStreamReader
        private var ended = false

        /// Opens `path` and reads its opening.
        /// - Throws: ``ArchiveError/genesisState(path:reason:)``.
        init(path: String) throws(ArchiveError) {
            self.path = path
            do throws(FramedStreamError) {
                contents = try FramedStreamReader(path: path)
                try contents.read { reader throws(CodecError) in
                    guard try reader.readBytes(count: magic.count, "genesis state magic") == magic else {
                        throw CodecError.invalidValue(what: "genesis state", reason: "not a Takeoff genesis state file")
                    }
                    let version = try reader.readUInt8("genesis state version")
                    guard version == formatVersion else { throw CodecError.unsupportedVersion(what: "genesis state", version: version) }
                }
            } catch { throw Self.failed(error, path) }
        }

        /// The next chunk of entries, or nil after the last (once the checksum is found right).
        /// - Throws: ``ArchiveError/genesisState(path:reason:)``.
        mutating func next() throws(ArchiveError) -> [(StateKey, StateValue)]? {
            guard !ended else { return nil }
            do throws(FramedStreamError) {
                let count = try contents.read { reader throws(CodecError) in Int(try reader.readUInt32("chunk entry count")) }
                guard count > 0 else {
                    try contents.readChecksum()
                    ended = true
                    return nil
                }
                guard count <= maximumChunk else { throw FramedStreamError.damaged("a chunk of \(count) entries is over the limit of \(maximumChunk)") }
                var chunk: [(StateKey, StateValue)] = []
                chunk.reserveCapacity(count)
                for _ in 0..<count {
                    chunk.append(try contents.read { reader throws(CodecError) in (try StateKey.decode(from: &reader), try StateValue.decode(from: &reader)) })
                }
                return chunk
            } catch { throw Self.failed(error, path) }
        }

        private static func failed(_ error: FramedStreamError, _ path: String) -> ArchiveError {
            switch error {
            case .io(let error): .genesisState(path: path, reason: error.reason ?? "\(error.operation): \(FileError.explain(error.code))")
            case .damaged(let reason): .genesisState(path: path, reason: "damaged: \(reason)")
            case .checksumMismatch: .genesisState(path: path, reason: "damaged: checksum mismatch")
            }
        }
    }
}
