import NIOCore

/// A growing output buffer for streaming decompressors that can never hold more than `limit` bytes.
///
/// Decompressors write into the space `append` offers; the space offered stops one byte past the
/// limit, so a stream that would exceed it is caught as soon as it writes that byte.
struct DecompressionOutput {
    private(set) var buffer: ByteBuffer
    let limit: Int
    let codec: CompressionCodec
    private static let minimumChunk = 16 * 1024

    /// No batch can be larger than Int32.max bytes, and a ByteBuffer cannot exceed 4 GiB.
    private static let largestLimit = Int(Int32.max)

    init(codec: CompressionCodec, limit: Int, sizeHint: Int) {
        self.codec = codec
        self.limit = min(max(0, limit), Self.largestLimit)
        self.buffer = ByteBufferAllocator().buffer(capacity: min(self.limit + 1, max(sizeHint, Self.minimumChunk)))
    }

    /// Offers `body` writable space (never empty) and keeps the bytes it reports as written.
    /// The space doubles the output so far, so a large output costs O(log n) reallocations.
    mutating func append(_ body: (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        let room = limit + 1 - buffer.readableBytes
        let chunk = min(room, max(buffer.writableBytes, buffer.readableBytes, Self.minimumChunk))
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: chunk) { raw in
            try body(UnsafeMutableRawBufferPointer(rebasing: raw.prefix(chunk)))
        }
        if buffer.readableBytes > limit { throw CompressionError.limitExceeded(codec: codec, limit: limit) }
    }

    /// Reserves `count` bytes for a codec that knows its output size up front (snappy blocks).
    mutating func appendExactly(_ count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        guard count <= limit - buffer.readableBytes else { throw CompressionError.limitExceeded(codec: codec, limit: limit) }
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
            try body(UnsafeMutableRawBufferPointer(rebasing: raw.prefix(count)))
            return count
        }
    }
}
