import CLZ4
import NIOCore

/// LZ4 in the LZ4 frame format (lz4frame.h), as Kafka has used since message format v1.
///
/// Written frames match the Java client's: 64 KiB independent blocks, no content size, no
/// checksums beyond the header's (Java's reader does not support linked blocks).
/// Magic-0 messages carry a header checksum computed over the wrong bytes (Kafka 0.8/0.9 bug,
/// KAFKA-3160); `legacyHeaderChecksum` reproduces it when writing and repairs it when reading,
/// the way Java and librdkafka treat magic 0.
enum LZ4Codec {
    static func compress(_ input: ByteBuffer, legacyHeaderChecksum: Bool = false) throws -> ByteBuffer {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        let bound = LZ4F_compressFrameBound(input.readableBytes, &preferences)
        var output = ByteBufferAllocator().buffer(capacity: bound)
        try output.writeCompressed(from: input, bound: bound) { source, target in
            let result = LZ4F_compressFrame(target.baseAddress, target.count, source.baseAddress, source.count, &preferences)
            guard LZ4F_isError(result) == 0 else {
                throw CompressionError.compressionFailed(codec: .lz4, reason: String(cString: LZ4F_getErrorName(result)))
            }
            return result
        }
        if legacyHeaderChecksum {
            try setHeaderChecksum(of: &output, includingMagic: true)
        }
        return output
    }

    static func decompress(_ input: ByteBuffer, limit: Int, legacyHeaderChecksum: Bool = false) throws -> ByteBuffer {
        var input = input
        if legacyHeaderChecksum {
            try setHeaderChecksum(of: &input, includingMagic: false)
        }
        var context: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))) == 0, let context else {
            throw CompressionError.compressionFailed(codec: .lz4, reason: "cannot create a decompression context")
        }
        defer { LZ4F_freeDecompressionContext(context) }

        var output = DecompressionOutput(codec: .lz4, limit: limit, sizeHint: input.readableBytes * 4)
        try input.withUnsafeReadableBytes { source in
            guard let base = source.baseAddress, source.count > 0 else {
                throw CompressionError.corrupt(codec: .lz4, reason: "empty input")
            }
            var consumed = 0
            while true {
                var hint = 0
                var produced = 0
                try output.append { space in
                    var spaceSize = space.count
                    var sourceSize = source.count - consumed
                    hint = LZ4F_decompress(context, space.baseAddress, &spaceSize, base + consumed, &sourceSize, nil)
                    consumed += sourceSize
                    produced = LZ4F_isError(hint) != 0 ? 0 : spaceSize
                    return produced
                }
                if LZ4F_isError(hint) != 0 {
                    throw CompressionError.corrupt(codec: .lz4, reason: String(cString: LZ4F_getErrorName(hint)))
                }
                // hint 0: a frame ended and is flushed; more input means another frame follows.
                if hint == 0 && consumed == source.count { return }
                if consumed == source.count && produced == 0 {
                    throw CompressionError.corrupt(codec: .lz4, reason: "frame ends before its end mark")
                }
            }
        }
        return output.buffer
    }

    private static let frameMagic: UInt32 = 0x184D_2204

    /// Rewrites the frame descriptor's checksum byte: over FLG..BD(+content size, dict id) as the
    /// spec says, or, with `includingMagic`, over magic..descriptor as Kafka's magic-0 writer did.
    private static func setHeaderChecksum(of frame: inout ByteBuffer, includingMagic: Bool) throws {
        let start = frame.readerIndex
        guard frame.readableBytes >= 7, frame.getInteger(at: start, endianness: .little, as: UInt32.self) == frameMagic,
              let flags = frame.getInteger(at: start + 4, as: UInt8.self) else {
            throw CompressionError.corrupt(codec: .lz4, reason: "missing LZ4 frame header")
        }
        let descriptorSize = 2 + (flags & 0x08 != 0 ? 8 : 0) + (flags & 0x01 != 0 ? 4 : 0)
        guard frame.readableBytes > 4 + descriptorSize else {
            throw CompressionError.corrupt(codec: .lz4, reason: "truncated LZ4 frame header")
        }
        let hashed = includingMagic ? 0..<(4 + descriptorSize) : 4..<(4 + descriptorSize)
        let checksum = frame.withUnsafeReadableBytes { bytes in
            XXHash32.hash(UnsafeRawBufferPointer(rebasing: bytes[hashed]))
        }
        frame.setInteger(UInt8(truncatingIfNeeded: checksum >> 8), at: start + 4 + descriptorSize)
    }
}
