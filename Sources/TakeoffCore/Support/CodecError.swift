/// Why bytes could not be decoded. Decoders throw these and never trap, whatever the input.
public enum CodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input ended while `what` still needed `needed` bytes and only `remaining` were left.
    case truncated(what: String, needed: Int, remaining: Int)
    /// A fixed-size field had the wrong length.
    case invalidLength(what: String, expected: Int, actual: Int)
    /// A tag byte named no known case of `what`.
    case unknownTag(what: String, tag: UInt8)
    /// The encoding's format version is not one this build reads.
    case unsupportedVersion(what: String, version: UInt8)
    /// Bytes were left over after a complete `what`.
    case trailingBytes(what: String, count: Int)
    /// A field was well formed but its value is not allowed (a length past the limit, say).
    case invalidValue(what: String, reason: String)
    /// Text that should have been hex was not.
    case invalidHex(String)

    public var description: String {
        switch self {
        case .truncated(let what, let needed, let remaining):
            "truncated \(what): needed \(needed) more bytes, \(remaining) left"
        case .invalidLength(let what, let expected, let actual):
            "invalid \(what) length: expected \(expected) bytes, got \(actual)"
        case .unknownTag(let what, let tag): "unknown \(what) tag \(tag)"
        case .unsupportedVersion(let what, let version): "unsupported \(what) format version \(version)"
        case .trailingBytes(let what, let count): "\(count) unexpected bytes after \(what)"
        case .invalidValue(let what, let reason): "invalid \(what): \(reason)"
        case .invalidHex(let text): "not hex: \"\(text.prefix(80))\""
        }
    }
}
