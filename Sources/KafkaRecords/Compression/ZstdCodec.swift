import CZstd
import NIOCore

/// Zstandard frames, as zstd-jni (Java client) and librdkafka write them.
///
/// Reading streams the frames (ZSTD_decompressStream) instead of trusting a content size:
/// streaming compressors leave it out, and a hostile one may lie about it.
enum ZstdCodec {
    /// zstd's own default level, which the Java client also uses.
    private static let level: Int32 = 3

    static func compress(_ input: ByteBuffer) throws -> ByteBuffer {
        let bound = ZSTD_compressBound(input.readableBytes)
        var output = ByteBufferAllocator().buffer(capacity: bound)
        try output.writeCompressed(from: input, bound: bound) { source, target in
            let result = ZSTD_compress(target.baseAddress, target.count, source.baseAddress, source.count, level)
            guard ZSTD_isError(result) == 0 else {
                throw CompressionError.compressionFailed(codec: .zstd, reason: String(cString: ZSTD_getErrorName(result)))
            }
            return result
        }
        return output
    }

    static func decompress(_ input: ByteBuffer, limit: Int) throws -> ByteBuffer {
        guard let context = ZSTD_createDCtx() else {
            throw CompressionError.compressionFailed(codec: .zstd, reason: "cannot create a decompression context")
        }
        defer { ZSTD_freeDCtx(context) }

        var output = DecompressionOutput(codec: .zstd, limit: limit, sizeHint: input.readableBytes * 4)
        try input.withUnsafeReadableBytes { source in
            guard let base = source.baseAddress, source.count > 0 else {
                throw CompressionError.corrupt(codec: .zstd, reason: "empty input")
            }
            var inBuffer = ZSTD_inBuffer(src: base, size: source.count, pos: 0)
            while true {
                var result = 0
                var produced = 0
                try output.append { space in
                    var outBuffer = ZSTD_outBuffer(dst: space.baseAddress, size: space.count, pos: 0)
                    result = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                    produced = ZSTD_isError(result) != 0 ? 0 : outBuffer.pos
                    return produced
                }
                if ZSTD_isError(result) != 0 {
                    throw CompressionError.corrupt(codec: .zstd, reason: String(cString: ZSTD_getErrorName(result)))
                }
                let inputDone = inBuffer.pos == inBuffer.size
                // result 0: a frame ended and is fully flushed; more input means another frame follows.
                if result == 0 && inputDone { return }
                if inputDone && produced == 0 {
                    throw CompressionError.corrupt(codec: .zstd, reason: "frame ends before it is complete")
                }
            }
        }
        return output.buffer
    }
}
