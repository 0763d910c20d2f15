import CCompressZlib
import CompressNIO
import NIOCore

/// gzip (RFC 1952), as Java's GZIPOutputStream and librdkafka write it.
///
/// Decompression drives zlib directly rather than through CompressNIO's `decompress`, which
/// returns a partial result for a truncated stream; here a stream that ends before its trailer
/// is an error. Concatenated gzip members are all read; bytes after the last member that do not
/// start another member are ignored, as Java's GZIPInputStream does.
enum GzipCodec {
    static func compress(_ input: ByteBuffer) throws -> ByteBuffer {
        var input = input
        do {
            return try input.compress(with: .gzip())
        } catch {
            throw CompressionError.compressionFailed(codec: .gzip, reason: "\(error)")
        }
    }

    static func decompress(_ input: ByteBuffer, limit: Int) throws -> ByteBuffer {
        var output = DecompressionOutput(codec: .gzip, limit: limit, sizeHint: input.readableBytes * 4)
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        // 15 window bits + 16: expect a gzip header and trailer, nothing else.
        guard CCompressZlib_inflateInit2(stream, 15 + 16) == Z_OK else {
            throw CompressionError.compressionFailed(codec: .gzip, reason: "inflateInit2 failed")
        }
        defer { inflateEnd(stream) }

        try input.withUnsafeReadableBytes { compressed in
            guard let base = compressed.baseAddress, compressed.count > 0 else {
                throw CompressionError.corrupt(codec: .gzip, reason: "empty input")
            }
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(compressed.count)
            while true {
                var result = Z_OK
                try output.append { space in
                    stream.pointee.next_out = space.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_out = uInt(space.count)
                    result = inflate(stream, Z_NO_FLUSH)
                    return space.count - Int(stream.pointee.avail_out)
                }
                switch result {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    guard Self.anotherMemberFollows(stream.pointee) else { return }
                    inflateReset(stream)
                case Z_BUF_ERROR where stream.pointee.avail_in > 0:
                    continue
                case Z_BUF_ERROR:
                    throw CompressionError.corrupt(codec: .gzip, reason: "stream ends before the gzip trailer")
                default:
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(result)"
                    throw CompressionError.corrupt(codec: .gzip, reason: message)
                }
            }
        }
        return output.buffer
    }

    /// True when the unread input starts with the gzip magic bytes 1f 8b.
    private static func anotherMemberFollows(_ stream: z_stream) -> Bool {
        guard stream.avail_in >= 2, let next = stream.next_in else { return false }
        return next[0] == 0x1F && next[1] == 0x8B
    }
}
