import KafkaProtocol
import NIOCore

extension LegacyMessageSet {
    /// Encodes `messages` as a magic 0/1 message set, as the Java client and broker write them.
    ///
    /// Uncompressed: one message each, at its absolute offset. Compressed: one wrapper message
    /// holding them all, at the last message's offset; magic 1 inner offsets are relative to the
    /// first message and the wrapper's timestamp is the largest inner one. Magic 0 drops timestamps;
    /// LZ4 under magic 0 gets Kafka 0.8's header checksum, which magic-0 readers expect.
    /// zstd, which the legacy formats lack, is written uncompressed.
    public static func encode(_ messages: [LegacyMessage], magic: LegacyMagic, codec: CompressionCodec) throws -> ByteBuffer {
        var output = ByteBufferAllocator().buffer(capacity: messages.reduce(0) { $0 + LegacyLayout.magicV1Overhead + ($1.key?.readableBytes ?? 0) + ($1.value?.readableBytes ?? 0) })
        switch codec {
        case .none, .zstd:
            for message in messages {
                writeMessage(
                    offset: message.offset, timestamp: message.timestamp, isLogAppendTime: message.isLogAppendTime,
                    codec: .none, key: message.key, value: message.value, magic: magic, to: &output)
            }
        case .gzip, .snappy, .lz4:
            guard let first = messages.first, let last = messages.last else { return output }
            let inner = messages.map { message in
                var relative = message
                if magic == .v1 { relative.offset = Offset(message.offset.rawValue &- first.offset.rawValue) }
                return relative
            }
            let compressed = try compress(try encode(inner, magic: magic, codec: .none), codec: codec, magic: magic)
            writeMessage(
                offset: last.offset, timestamp: messages.map(\.timestamp).max() ?? LegacyMessage.noTimestamp,
                isLogAppendTime: first.isLogAppendTime, codec: codec, key: nil, value: compressed, magic: magic, to: &output)
        }
        return output
    }

    private static func compress(_ messageSet: ByteBuffer, codec: CompressionCodec, magic: LegacyMagic) throws -> ByteBuffer {
        if codec == .lz4 && magic == .v0 {
            return try LZ4Codec.compress(messageSet, legacyHeaderChecksum: true)
        }
        return try Compression.compress(messageSet, codec: codec)
    }

    private static func writeMessage(
        offset: Offset, timestamp: Int64, isLogAppendTime: Bool, codec: CompressionCodec,
        key: ByteBuffer?, value: ByteBuffer?, magic: LegacyMagic, to buffer: inout ByteBuffer
    ) {
        let start = buffer.writerIndex
        buffer.writeInteger(offset.rawValue)
        buffer.writeInteger(Int32(0))
        buffer.writeInteger(UInt32(0))
        buffer.writeInteger(magic.rawValue)
        var attributes = codec.rawValue
        if magic == .v1 && isLogAppendTime { attributes |= LegacyLayout.logAppendTimeFlag }
        buffer.writeInteger(attributes)
        if magic == .v1 { buffer.writeInteger(timestamp) }
        writeNullableBytes(key, to: &buffer)
        writeNullableBytes(value, to: &buffer)
        let crcStart = start + LegacyLayout.magicOffset
        buffer.setInteger(Int32(truncatingIfNeeded: buffer.writerIndex - start - LegacyLayout.logOverhead), at: start + 8)
        buffer.setInteger(crc32IEEE(buffer, at: crcStart, length: buffer.writerIndex - crcStart), at: start + LegacyLayout.crcOffset)
    }

    private static func writeNullableBytes(_ bytes: ByteBuffer?, to buffer: inout ByteBuffer) {
        guard var bytes else {
            buffer.writeInteger(Int32(-1))
            return
        }
        buffer.writeInteger(Int32(truncatingIfNeeded: bytes.readableBytes))
        buffer.writeBuffer(&bytes)
    }
}
