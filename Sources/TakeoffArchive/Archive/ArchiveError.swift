import TakeoffCore
import TakeoffIO

/// Why the archive could not be read or written. Every case names the file and, where there is one, the
/// block number and byte offset.
public enum ArchiveError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The directory does not exist or holds no archive.
    case notFound(directory: String)
    /// A file operation failed.
    case io(path: String, operation: String, errno: Int32)
    /// A segment between two others is missing.
    case missingSegment(name: String)
    /// A record's bytes end before the record does.
    case truncated(segment: String, block: UInt64, offset: UInt64)
    /// A record is damaged: bad framing, checksum mismatch, undecodable contents.
    case corrupt(segment: String, block: UInt64, offset: UInt64, reason: String)
    /// Blocks are not consecutive.
    case outOfOrder(segment: String, expected: UInt64, found: UInt64, offset: UInt64)
    /// The block is not in the archive.
    case blockNotFound(UInt64, head: UInt64?)
    /// The manifest is missing, damaged, of another format, or disagrees with the segments on disk.
    case manifest(path: String, reason: String)
    /// Bytes after a segment's last record that are neither a record nor the torn start of one.
    case trailingData(segment: String, afterBlock: UInt64?, offset: UInt64, count: UInt64)
    /// Another process holds the archive's writer lock.
    case locked(WriterLockError)
    /// The file holding block 0's entries (`genesis.state`) is missing, unreadable or damaged.
    case genesisState(path: String, reason: String)

    /// The archive's form of a failed file operation.
    init(_ error: FileError) { self = .io(path: error.path, operation: error.operation, errno: error.code) }

    public var description: String {
        switch self {
        case .notFound(let directory): "no archive in \(directory)"
        case .io(let path, let operation, let code): "\(operation) \(path): \(FileError.explain(code))"
        case .missingSegment(let name): "segment \(name) is missing (the manifest lists it)"
        case .truncated(let segment, let block, let offset): "segment \(segment) is truncated at block \(block), byte offset \(offset)"
        case .corrupt(let segment, let block, let offset, let reason):
            "segment \(segment), block \(block), byte offset \(offset): \(reason)"
        case .outOfOrder(let segment, let expected, let found, let offset):
            "segment \(segment), byte offset \(offset): expected block \(expected), found block \(found)"
        case .blockNotFound(let block, let head):
            "block \(block) is not in the archive (\(head.map { "it ends at block \($0)" } ?? "it is empty"))"
        case .manifest(let path, let reason): "archive manifest \(path): \(reason)"
        case .genesisState(let path, let reason): "archive genesis state \(path): \(reason)"
        case .trailingData(let segment, let block, let offset, let count):
            "segment \(segment), \(block.map { "after block \($0)" } ?? "at its start"), byte offset \(offset): "
                + "\(count) bytes that are not a record (the archive was written to by something else; it is left as it is)"
        case .locked(let error): "archive \(error)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
