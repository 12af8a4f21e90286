import TakeoffCore
import TakeoffIO

/// How one block is laid out in a segment: a 64-byte zstd *skippable* frame carrying the record header,
/// then one ordinary zstd frame holding the encoded `ArchivedBlock`. `zstd -d` skips the first and
/// decompresses the second, so a whole segment decompresses to its blocks' encodings, one after another.
///
/// Record header (inside the skippable frame, big-endian): `TKBL`, format version, 3 reserved bytes, block
/// number (8), compressed frame length (4), decompressed length (4), SHA-256 of the compressed frame (32).
package enum RecordFraming {
    /// A zstd skippable-frame magic number (0x184D2A50 to 0x184D2A5F are reserved for skippable frames).
    package static let skippableMagic: UInt32 = 0x184D_2A5E
    package static let headerPayloadSize = 56
    /// Bytes before the compressed frame.
    package static let headerSize = 8 + headerPayloadSize
    package static let recordMagic = Array("TKBL".utf8)
    package static let formatVersion: UInt8 = 1
    /// The largest decompressed block the reader accepts: a forged length cannot make it allocate more.
    package static let maximumContentLength = 1 << 30

    /// The first bytes of every record header of this format: skippable magic, payload size, `TKBL`, version.
    static let headerPrefix: [UInt8] = {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: skippableMagic.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(headerPayloadSize).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + recordMagic + [formatVersion]
    }()

    package struct Header: Equatable {
        package var block: UInt64
        package var frameLength: Int
        package var contentLength: Int
        package var checksum: Hash32

        package init(block: UInt64, frameLength: Int, contentLength: Int, checksum: Hash32) {
            self.block = block
            self.frameLength = frameLength
            self.contentLength = contentLength
            self.checksum = checksum
        }
    }

    package static func encodeHeader(_ header: Header) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerSize)
        withUnsafeBytes(of: skippableMagic.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(headerPayloadSize).littleEndian) { bytes.append(contentsOf: $0) }
        var writer = ByteWriter(capacity: headerPayloadSize)
        writer.write(raw: recordMagic)
        writer.write(formatVersion)
        writer.write(raw: [0, 0, 0])
        writer.write(header.block)
        writer.write(UInt32(header.frameLength))
        writer.write(UInt32(header.contentLength))
        writer.write(header.checksum)
        return bytes + writer.bytes
    }

    /// What is wrong with a record header.
    package struct Problem: Error {
        package var reason: String
    }

    /// Parses a record header, or says what is wrong with it.
    package static func decodeHeader(_ bytes: [UInt8]) -> Result<Header, Problem> {
        guard bytes.count == headerSize else { return .failure(Problem(reason: "record header cut short")) }
        let magic = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        let size = UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24
        guard magic == skippableMagic, size == UInt32(headerPayloadSize), Array(bytes[8..<12]) == recordMagic else {
            return .failure(Problem(reason: "no record header here (bad magic)"))
        }
        guard bytes[12] == formatVersion else { return .failure(Problem(reason: "unsupported record format version \(bytes[12])")) }
        do throws(CodecError) {
            var reader = ByteReader(Array(bytes[16...]))
            let block = try reader.readUInt64("block number")
            let frameLength = Int(try reader.readUInt32("frame length"))
            let contentLength = Int(try reader.readUInt32("content length"))
            let checksum = try reader.readHash("checksum")
            guard contentLength <= maximumContentLength else { return .failure(Problem(reason: "content length \(contentLength) is too large")) }
            return .success(Header(block: block, frameLength: frameLength, contentLength: contentLength, checksum: checksum))
        } catch {
            return .failure(Problem(reason: "\(error)"))
        }
    }
}
