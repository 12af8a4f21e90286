/// A byte string whose length is fixed by its type: keys and signatures.
///
/// The bytes are stored inline, so a value holding them (a transaction carries a key and a signature) copies
/// as plain memory: no heap buffer, no reference counting on every copy the executors make.
public struct FixedBytes<let count: Int>: Hashable, Sendable {
    private var storage: InlineArray<count, UInt8>

    /// All zeros: the key and signature of a transaction that has not been signed.
    public static var zero: FixedBytes { FixedBytes(storage: InlineArray(repeating: 0)) }

    /// Copies `bytes`.
    /// - Throws: ``CodecError/invalidLength(what:expected:actual:)`` unless there are exactly `count`.
    public init<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(CodecError) {
        guard bytes.count == count else {
            throw CodecError.invalidLength(what: "\(count)-byte field", expected: count, actual: bytes.count)
        }
        var storage = InlineArray<count, UInt8>(repeating: 0)
        for (index, byte) in bytes.enumerated() { storage[index] = byte }
        self.storage = storage
    }

    private init(storage: InlineArray<count, UInt8>) { self.storage = storage }

    /// The bytes, as a new array; always `count` of them.
    public var bytes: [UInt8] { withUnsafeBytes(Array.init) }

    /// Calls `body` with the bytes in place.
    public func withUnsafeBytes<Result, Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Result) throws(Failure) -> Result {
        var storage = storage
        return try Swift.withUnsafeBytes(of: &storage) { (buffer) throws(Failure) -> Result in try body(buffer) }
    }

    public static func == (lhs: FixedBytes, rhs: FixedBytes) -> Bool {
        for index in 0..<count where lhs.storage[index] != rhs.storage[index] { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
