import CZstd
import Foundation

/// Decompresses a file of zstd frames as one stream, a bounded piece at a time: memory stays at the size of
/// the pieces asked for, whatever the file's size.
package final class ZstdFileReader {
    /// The file read.
    package let path: String
    private let file: FileHandle
    private let stream: OpaquePointer
    private var input: [UInt8] = []
    private var inputPosition = 0
    private var fileEnded = false
    /// zstd's last answer: 0 when the last frame is complete.
    private var frameRemainder = 0

    /// Opens `path` for reading.
    /// - Throws: ``FileError`` when it cannot be opened.
    package init(path: String) throws {
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw FileError(path: path, operation: "open", code: errno)
        }
        guard let stream = ZSTD_createDStream() else { throw ZstdError(message: "out of memory", operation: "ZSTD_createDStream") }
        self.path = path
        self.file = file
        self.stream = stream
    }

    deinit {
        ZSTD_freeDStream(stream)
        try? file.close()
    }

    /// The next decompressed bytes: `count` of them, fewer only at the end of the file, none after it.
    /// - Throws: ``ZstdError`` for damaged frames, or a file that ends inside one; ``FileError`` on a read
    ///   failure.
    package func read(_ count: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        var produced = 0
        while produced < count {
            if inputPosition == input.count && !fileEnded {
                do { input = [UInt8](try file.read(upToCount: 1 << 20) ?? Data()) } catch {
                    throw FileError(path: path, operation: "read", code: EIO, reason: "\(error)")
                }
                inputPosition = 0
                fileEnded = input.isEmpty
            }
            // At the end of the file, zstd may still hold output to flush: it is asked with empty input until
            // it has none, and only a frame left incomplete is an error.
            if fileEnded && frameRemainder == 0 { break }
            if fileEnded { input = [0]; inputPosition = 0 }
            let available = fileEnded ? 0 : input.count
            let (consumed, written, result) = input.withUnsafeBytes { source in
                output.withUnsafeMutableBytes { target in
                    var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: available, pos: inputPosition)
                    var outBuffer = ZSTD_outBuffer(dst: target.baseAddress! + produced, size: count - produced, pos: 0)
                    let result = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    return (inBuffer.pos, outBuffer.pos, result)
                }
            }
            if fileEnded && written == 0 && ZSTD_isError(result) == 0 && result != 0 {
                throw ZstdError(message: "the file ends inside a frame (truncated)", operation: "ZSTD_decompressStream")
            }
            if ZSTD_isError(result) != 0 {
                throw ZstdError(message: String(cString: ZSTD_getErrorName(result)), operation: "ZSTD_decompressStream")
            }
            inputPosition = fileEnded ? input.count : consumed
            produced += written
            frameRemainder = result
        }
        output.removeSubrange(produced...)
        return output
    }
}
