/// A byte string whose length is fixed by its type: keys and signatures.
public struct FixedBytes<let count: Int>: Hashable, Sendable {
    /// The bytes; always `count` of them.
    public let bytes: [UInt8]

    /// All zeros: the key and signature of a transaction that has not been signed.
    public static var zero: FixedBytes { FixedBytes(unchecked: [UInt8](repeating: 0, count: count)) }

    /// Wraps `bytes`.
    /// - Throws: ``CodecError/invalidLength(what:expected:actual:)`` unless there are exactly `count`.
    public init<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(CodecError) {
        guard bytes.count == count else {
            throw CodecError.invalidLength(what: "\(count)-byte field", expected: count, actual: bytes.count)
        }
        self.bytes = Array(bytes)
    }

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }
}
