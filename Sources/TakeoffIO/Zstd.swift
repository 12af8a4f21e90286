import CZstd
import Foundation
import TakeoffCore

/// Why zstd could not compress or decompress.
public struct ZstdError: Error, Hashable, Sendable, CustomStringConvertible {
    /// zstd's error text.
    public var message: String
    /// What was being done.
    public var operation: String

    public var description: String { "\(operation): \(message)" }
}

/// zstd frames in and out of byte arrays.
package enum Zstd {
    /// Compresses `bytes` into one zstd frame (with its content size, so `zstd -d` and readers can size their
    /// buffers).
    /// - Throws: ``ZstdError`` (only on allocation failure in practice).
    package static func compress(_ bytes: [UInt8], level: Int32 = 3) throws(ZstdError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
        let written = output.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { source in
                ZSTD_compress(target.baseAddress, target.count, source.baseAddress, source.count, level)
            }
        }
        try check(written, "ZSTD_compress")
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses one or more concatenated zstd frames.
    /// - Parameter limit: the most bytes the output may hold; a frame that claims more is refused before
    ///   anything is allocated.
    /// - Throws: ``ZstdError`` for corrupt, truncated or oversized input.
    package static func decompress(_ bytes: [UInt8], limit: Int = 1 << 31) throws -> [UInt8] {
        try decompress(bytes, limit: limit, prefix: nil)
    }

    /// Decompresses one or more concatenated zstd frames whose content is known to be `size` bytes (a
    /// record header says so), in one call into a buffer of that size.
    /// - Throws: ``ZstdError`` for corrupt or truncated input, or content of another size.
    package static func decompress(_ bytes: some ContiguousBytes, size: Int) throws(ZstdError) -> [UInt8] {
        var result = 0
        let output = [UInt8](unsafeUninitializedCapacity: size) { target, initialized in
            result = bytes.withUnsafeBytes { source in
                ZSTD_decompress(target.baseAddress, size, source.baseAddress, source.count)
            }
            initialized = ZSTD_isError(result) == 0 ? result : 0
        }
        try check(result, "ZSTD_decompress")
        guard result == size else {
            throw ZstdError(message: "decompressed to \(result) bytes, expected \(size)", operation: "ZSTD_decompress")
        }
        return output
    }

    /// Decompresses the first zstd frame of `bytes` alone, which must state its content size (every frame
    /// that ``compress(_:level:)`` writes does).
    /// - Parameter limit: the most bytes the output may hold.
    /// - Throws: ``ZstdError`` for corrupt or truncated input, or a frame without its size or over `limit`.
    package static func decompressFirstFrame(_ bytes: [UInt8], limit: Int) throws(ZstdError) -> [UInt8] {
        let (length, size) = bytes.withUnsafeBytes { source in
            let length = ZSTD_findFrameCompressedSize(source.baseAddress, source.count)
            return (length, ZSTD_isError(length) == 0 ? ZSTD_getFrameContentSize(source.baseAddress, length) : 0)
        }
        try check(length, "ZSTD_findFrameCompressedSize")
        // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are the two largest values.
        guard size < UInt64.max - 1 else { throw ZstdError(message: "the frame does not state its size", operation: "ZSTD_getFrameContentSize") }
        guard size <= UInt64(limit) else {
            throw ZstdError(message: "the frame's \(size) bytes exceed the limit of \(limit)", operation: "ZSTD_getFrameContentSize")
        }
        return try decompress(bytes[..<length], size: Int(size))
    }

    /// The number of zstd frames `bytes` holds, one after another.
    /// - Throws: ``ZstdError`` when a frame is damaged or cut short.
    package static func frameCount(_ bytes: [UInt8]) throws(ZstdError) -> Int {
        var offset = 0
        var count = 0
        while offset < bytes.count {
            offset += try frameLength(Array(bytes[offset...]))
            count += 1
        }
        return count
    }

    /// The length of the zstd frame `bytes` starts with.
    /// - Throws: ``ZstdError`` when it is damaged or cut short.
    package static func frameLength(_ bytes: [UInt8]) throws(ZstdError) -> Int {
        let length = bytes.withUnsafeBytes { ZSTD_findFrameCompressedSize($0.baseAddress, $0.count) }
        try check(length, "ZSTD_findFrameCompressedSize")
        return length
    }

    /// The first `count` decompressed bytes of `bytes` (fewer if the content is shorter), decompressing no
    /// more than needed to get them.
    /// - Throws: ``ZstdError`` for corrupt input.
    package static func decompressPrefix(_ bytes: [UInt8], count: Int) throws -> [UInt8] {
        Array(try decompress(bytes, limit: Int.max, prefix: count).prefix(count))
    }

    private static func decompress(_ bytes: [UInt8], limit: Int, prefix: Int?) throws -> [UInt8] {
        guard let stream = ZSTD_createDStream() else { throw ZstdError(message: "out of memory", operation: "ZSTD_createDStream") }
        defer { ZSTD_freeDStream(stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 17)
        var lastResult = 0
        try bytes.withUnsafeBytes { (source: UnsafeRawBufferPointer) in
            var input = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
            repeat {
                let produced = try chunk.withUnsafeMutableBytes { (target: UnsafeMutableRawBufferPointer) -> Int in
                    var out = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
                    lastResult = ZSTD_decompressStream(stream, &out, &input)
                    try check(lastResult, "ZSTD_decompressStream")
                    return out.pos
                }
                guard output.count + produced <= limit else {
                    throw ZstdError(message: "output exceeds the limit of \(limit) bytes", operation: "ZSTD_decompressStream")
                }
                output.append(contentsOf: chunk[0..<produced])
                if let prefix, output.count >= prefix { return }
                if produced == 0 && input.pos == input.size { break }
            } while input.pos < input.size || lastResult != 0
        }
        guard lastResult == 0 || prefix.map({ output.count >= $0 }) == true else {
            throw ZstdError(message: "input ends inside a frame (truncated)", operation: "ZSTD_decompressStream")
        }
        return output
    }

    private static func check(_ result: Int, _ operation: String) throws(ZstdError) {
        if ZSTD_isError(result) != 0 {
            throw ZstdError(message: String(cString: ZSTD_getErrorName(result)), operation: operation)
        }
    }
}
