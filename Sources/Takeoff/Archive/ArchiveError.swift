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

    public var description: String {
        switch self {
        case .notFound(let directory): "no archive in \(directory)"
        case .io(let path, let operation, let code): "\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .missingSegment(let name): "segment \(name) is missing"
        case .truncated(let segment, let block, let offset): "segment \(segment) is truncated at block \(block), byte offset \(offset)"
        case .corrupt(let segment, let block, let offset, let reason):
            "segment \(segment), block \(block), byte offset \(offset): \(reason)"
        case .outOfOrder(let segment, let expected, let found, let offset):
            "segment \(segment), byte offset \(offset): expected block \(expected), found block \(found)"
        case .blockNotFound(let block, let head):
            "block \(block) is not in the archive (\(head.map { "it ends at block \($0)" } ?? "it is empty"))"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
