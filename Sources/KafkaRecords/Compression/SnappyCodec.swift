import CSnappy
import NIOCore

/// Snappy as Kafka clients frame it.
///
/// The Java client writes xerial snappy-java's stream format: a 16-byte header
/// (`82 'SNAPPY' 00`, int32 version 1, int32 compatible version 1) then blocks of
/// int32 compressed length + raw snappy, each block holding at most 32 KiB of input.
/// librdkafka writes one raw (unframed) snappy block, and reads either — so reading accepts
/// both, telling them apart by the xerial magic as librdkafka does.
enum SnappyCodec {
    private static let xerialMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]
    private static let xerialHeaderSize = 16
    private static let xerialVersion: Int32 = 1
    private static let xerialCompatibleVersion: Int32 = 1
    /// snappy-java's default block size.
    private static let xerialBlockSize = 32 * 1024

    static func compress(_ input: ByteBuffer) throws -> ByteBuffer {
        let blockCount = (input.readableBytes + xerialBlockSize - 1) / xerialBlockSize
        var output = ByteBufferAllocator().buffer(
            capacity: xerialHeaderSize + blockCount * (4 + snappy_max_compressed_length(xerialBlockSize)))
        output.writeBytes(xerialMagic)
        output.writeInteger(xerialVersion)
        output.writeInteger(xerialCompatibleVersion)
        var remaining = input
        while remaining.readableBytes > 0, let block = remaining.readSlice(length: min(xerialBlockSize, remaining.readableBytes)) {
            let lengthIndex = output.writerIndex
            output.writeInteger(Int32(0))
            let written = try compressBlock(block, into: &output)
            output.setInteger(Int32(written), at: lengthIndex)
        }
        return output
    }

    static func decompress(_ input: ByteBuffer, limit: Int) throws -> ByteBuffer {
        var output = DecompressionOutput(codec: .snappy, limit: limit, sizeHint: 0)
        if isXerialFramed(input) {
            var blocks = input
            blocks.moveReaderIndex(forwardBy: xerialHeaderSize)
            while blocks.readableBytes > 0 {
                guard let length = blocks.readInteger(as: Int32.self), length > 0,
                      let block = blocks.readSlice(length: Int(length)) else {
                    throw CompressionError.corrupt(codec: .snappy, reason: "invalid xerial block length")
                }
                try uncompressBlock(block, into: &output)
            }
        } else {
            try uncompressBlock(input, into: &output)
        }
        return output.buffer
    }

    private static func isXerialFramed(_ input: ByteBuffer) -> Bool {
        input.readableBytes >= xerialHeaderSize
            && input.getBytes(at: input.readerIndex, length: xerialMagic.count) == xerialMagic
    }

    private static func compressBlock(_ block: ByteBuffer, into output: inout ByteBuffer) throws -> Int {
        try output.writeCompressed(from: block, bound: snappy_max_compressed_length(block.readableBytes)) { source, target in
            var length = target.count
            let status = snappy_compress(
                source.baseAddress!.assumingMemoryBound(to: CChar.self), source.count,
                target.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            guard status == SNAPPY_OK else {
                throw CompressionError.compressionFailed(codec: .snappy, reason: "status \(status)")
            }
            return length
        }
    }

    private static func uncompressBlock(_ block: ByteBuffer, into output: inout DecompressionOutput) throws {
        try block.withUnsafeReadableBytes { compressed in
            guard let base = compressed.baseAddress?.assumingMemoryBound(to: CChar.self), compressed.count > 0 else {
                throw CompressionError.corrupt(codec: .snappy, reason: "empty block")
            }
            var length = 0
            guard snappy_uncompressed_length(base, compressed.count, &length) == SNAPPY_OK else {
                throw CompressionError.corrupt(codec: .snappy, reason: "unreadable uncompressed length")
            }
            try output.appendExactly(length) { target in
                guard length > 0 else { return }
                var produced = length
                let status = snappy_uncompress(
                    base, compressed.count, target.baseAddress!.assumingMemoryBound(to: CChar.self), &produced)
                guard status == SNAPPY_OK, produced == length else {
                    throw CompressionError.corrupt(codec: .snappy, reason: "invalid snappy block (status \(status))")
                }
            }
        }
    }
}
