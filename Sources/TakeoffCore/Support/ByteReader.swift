/// Reads the fields that ``ByteWriter`` writes, throwing ``CodecError`` on any shortfall.
package struct ByteReader: Sendable {
    @usableFromInline let bytes: ArraySlice<UInt8>
    /// The offset of the next byte to read, from the start of the input.
    public private(set) var offset: Int

    /// Creates a reader at the start of `bytes`.
    package init(_ bytes: [UInt8]) {
        self.bytes = bytes[...]
        offset = 0
    }

    /// Creates a reader at the start of `bytes`, which it shares instead of copying.
    package init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        offset = 0
    }

    /// How many bytes are left.
    package var remaining: Int { bytes.count - offset }

    /// Throws unless every byte has been read.
    /// - Throws: ``CodecError/trailingBytes(what:count:)``.
    package func expectEnd(of what: String) throws(CodecError) {
        if remaining != 0 { throw CodecError.trailingBytes(what: what, count: remaining) }
    }

    package mutating func readUInt8(_ what: String = "byte") throws(CodecError) -> UInt8 {
        try need(1, what)
        defer { offset += 1 }
        return bytes[bytes.startIndex + offset]
    }

    package mutating func readUInt16(_ what: String = "UInt16") throws(CodecError) -> UInt16 {
        try readBigEndian(UInt16.self, what)
    }

    package mutating func readUInt32(_ what: String = "UInt32") throws(CodecError) -> UInt32 {
        try readBigEndian(UInt32.self, what)
    }

    package mutating func readUInt64(_ what: String = "UInt64") throws(CodecError) -> UInt64 {
        try readBigEndian(UInt64.self, what)
    }

    package mutating func readUInt128(_ what: String = "UInt128") throws(CodecError) -> UInt128 {
        try need(16, what)
        let high = try readBigEndian(UInt64.self, what)
        let low = try readBigEndian(UInt64.self, what)
        return UInt128(high) << 64 | UInt128(low)
    }

    package mutating func readAddress(_ what: String = "address") throws(CodecError) -> Address {
        try need(Address.byteCount, what)
        return Address(
            high: try readBigEndian(UInt64.self, what),
            middle: try readBigEndian(UInt64.self, what),
            low: try readBigEndian(UInt32.self, what))
    }

    package mutating func readHash(_ what: String = "hash") throws(CodecError) -> Hash32 {
        try need(Hash32.byteCount, what)
        return Hash32(
            w0: try readBigEndian(UInt64.self, what),
            w1: try readBigEndian(UInt64.self, what),
            w2: try readBigEndian(UInt64.self, what),
            w3: try readBigEndian(UInt64.self, what))
    }

    /// Reads exactly `count` raw bytes.
    package mutating func readBytes(count: Int, _ what: String) throws(CodecError) -> [UInt8] {
        Array(try readSlice(count: count, what))
    }

    /// Reads exactly `count` raw bytes, sharing the input's storage.
    package mutating func readSlice(count: Int, _ what: String) throws(CodecError) -> ArraySlice<UInt8> {
        try need(count, what)
        let start = bytes.startIndex + offset
        offset += count
        return bytes[start..<start + count]
    }

    /// Reads a 32-bit length and that many bytes, refusing lengths above `limit` before allocating.
    package mutating func readLengthPrefixed(_ what: String, limit: Int) throws(CodecError) -> [UInt8] {
        let length = Int(try readUInt32("\(what) length"))
        guard length <= limit else {
            throw CodecError.invalidValue(what: what, reason: "length \(length) exceeds the limit of \(limit)")
        }
        return try readBytes(count: length, what)
    }

    /// Reads a varint (see ``ByteWriter/writeVarint(_:)-(UInt64)``), refusing one longer than 64 bits.
    package mutating func readVarint(_ what: String) throws(CodecError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw CodecError.truncated(what: what, needed: 1, remaining: 0) }
            let byte = bytes[bytes.startIndex + offset]
            offset += 1
            let bits = UInt64(byte & 0x7F)
            guard shift < 63 || (shift == 63 && bits <= 1) else {
                throw CodecError.invalidValue(what: what, reason: "varint does not fit in 64 bits")
            }
            value |= bits << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// Reads a varint that must fit in 32 bits.
    package mutating func readVarint32(_ what: String) throws(CodecError) -> UInt32 {
        let value = try readVarint(what)
        guard let narrow = UInt32(exactly: value) else { throw CodecError.invalidValue(what: what, reason: "\(value) does not fit in 32 bits") }
        return narrow
    }

    /// Reads a 128-bit varint (see ``ByteWriter/writeVarint(_:)-(UInt128)``), refusing one longer than 128 bits.
    package mutating func readVarint128(_ what: String) throws(CodecError) -> UInt128 {
        var value: UInt128 = 0
        var shift: UInt128 = 0
        while true {
            guard offset < bytes.count else { throw CodecError.truncated(what: what, needed: 1, remaining: 0) }
            let byte = bytes[bytes.startIndex + offset]
            offset += 1
            let bits = UInt128(byte & 0x7F)
            guard shift < 126 || (shift == 126 && bits <= 3) else {
                throw CodecError.invalidValue(what: what, reason: "varint does not fit in 128 bits")
            }
            value |= bits << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// Reads a varint element count, refusing counts that the remaining bytes cannot hold.
    package mutating func readVarintCount(_ what: String, minimumElementSize: Int) throws(CodecError) -> Int {
        let count = try readVarint("\(what) count")
        guard count <= UInt64(remaining / max(minimumElementSize, 1)) else {
            throw CodecError.invalidValue(what: what, reason: "count \(count) exceeds what \(remaining) bytes can hold")
        }
        return Int(count)
    }

    /// Reads a 32-bit element count, refusing counts that the remaining bytes cannot hold.
    ///
    /// Checking against `minimumElementSize` keeps a forged count from reserving gigabytes.
    package mutating func readCount(_ what: String, minimumElementSize: Int) throws(CodecError) -> Int {
        let count = Int(try readUInt32("\(what) count"))
        guard count <= remaining / max(minimumElementSize, 1) else {
            throw CodecError.invalidValue(what: what, reason: "count \(count) exceeds what \(remaining) bytes can hold")
        }
        return count
    }

    @inline(__always)
    private func need(_ count: Int, _ what: String) throws(CodecError) {
        if remaining < count { throw CodecError.truncated(what: what, needed: count, remaining: remaining) }
    }

    @inline(__always)
    private mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(CodecError) -> T {
        let size = MemoryLayout<T>.size
        try need(size, what)
        var value: T = 0
        for index in 0..<size {
            value = value << 8 | T(bytes[bytes.startIndex + offset + index])
        }
        offset += size
        return value
    }
}
