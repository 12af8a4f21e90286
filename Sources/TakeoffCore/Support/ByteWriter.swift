/// Appends fixed-width big-endian fields to a byte buffer: the one binary layout of every Takeoff encoding.
///
/// Big-endian throughout so that encoded keys sort as their values do (LMDB compares keys bytewise).
package struct ByteWriter: Sendable {
    /// The bytes written so far.
    package var bytes: [UInt8]

    /// Creates an empty writer with room for `capacity` bytes.
    package init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable
    package mutating func write(_ value: UInt8) { bytes.append(value) }

    @inlinable
    package mutating func write(_ value: UInt16) { appendBigEndian(value) }

    @inlinable
    package mutating func write(_ value: UInt32) { appendBigEndian(value) }

    @inlinable
    package mutating func write(_ value: UInt64) { appendBigEndian(value) }

    @inlinable
    package mutating func write(_ value: UInt128) {
        appendBigEndian(UInt64(truncatingIfNeeded: value >> 64))
        appendBigEndian(UInt64(truncatingIfNeeded: value))
    }

    @inlinable
    package mutating func write(_ value: Address) {
        appendBigEndian(value.high)
        appendBigEndian(value.middle)
        appendBigEndian(value.low)
    }

    @inlinable
    package mutating func write(_ value: Hash32) {
        appendBigEndian(value.w0)
        appendBigEndian(value.w1)
        appendBigEndian(value.w2)
        appendBigEndian(value.w3)
    }

    /// Writes raw bytes with no length prefix (fixed-size fields such as keys and signatures).
    @inlinable
    package mutating func write<Bytes: Sequence<UInt8>>(raw: Bytes) { bytes.append(contentsOf: raw) }

    /// Writes raw bytes from an array: the common case, without going through `Sequence` (a generic call
    /// from another module is not always specialized).
    @inlinable
    package mutating func write(raw: [UInt8]) { bytes.append(contentsOf: raw) }

    /// Writes a 32-bit length followed by the bytes.
    @inlinable
    package mutating func write(lengthPrefixed data: [UInt8]) {
        write(UInt32(data.count))
        bytes.append(contentsOf: data)
    }

    /// Writes an unsigned integer as a varint (LEB128: seven bits per byte, low bits first, the high bit set
    /// on every byte but the last): one byte below 128, at most 10 bytes for 64 bits.
    @inlinable
    package mutating func writeVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: rest))
    }

    /// Writes a 128-bit integer as a varint: the same bytes as the 64-bit form for values that fit in 64
    /// bits, at most 19 bytes.
    @inlinable
    package mutating func writeVarint(_ value: UInt128) {
        var rest = value
        while rest >> 64 != 0 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        writeVarint(UInt64(truncatingIfNeeded: rest))
    }

    @inlinable
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
