import KafkaProtocol
import NIOCore

extension LegacyMessageSet {
    /// Turns a magic 0/1 message set from an old producer into one v2 batch the broker can store,
    /// as Kafka does for Produce v0–v2. Records keep their keys, values and (magic 1) timestamps;
    /// magic 0 records get timestamp -1. The batch has base offset 0 (the broker assigns offsets),
    /// no producer id, and `codec` — or, when nil, the codec of the set's first message.
    public static func convertToV2(
        _ messageSet: ByteBuffer, codec: CompressionCodec? = nil,
        decompressionLimit: Int = Compression.defaultDecompressionLimit
    ) throws -> ByteBuffer {
        let messages = try decode(messageSet, decompressionLimit: decompressionLimit)
        guard !messages.isEmpty else {
            throw RecordBatchError.invalidRecord(reason: "legacy message set holds no messages", baseOffset: Offset(-1))
        }
        let firstAttributes = messageSet.getInteger(at: messageSet.readerIndex + LegacyLayout.attributesOffset, as: Int8.self) ?? 0
        let targetCodec = codec ?? CompressionCodec(rawValue: firstAttributes & LegacyLayout.codecMask) ?? .none
        let records = messages.map { ProducerRecord(key: $0.key, value: $0.value, timestamp: $0.timestamp) }
        return try RecordBatchBuilder(codec: targetCodec).build(records)
    }

    /// Writes v2 batches as a magic 0/1 message set for a Fetch v0–v3 client (v0–v1 read magic 0,
    /// v2–v3 magic 1), as Kafka's down-conversion does: each batch becomes one wrapper message
    /// (or plain messages if uncompressed) keeping its codec, offsets and timestamps; headers are
    /// dropped, control batches skipped, and zstd batches written uncompressed.
    public static func downConvert(_ batches: [RecordBatch], to magic: LegacyMagic) throws -> ByteBuffer {
        var output = ByteBuffer()
        for batch in batches where !batch.header.attributes.isControl && !batch.records.isEmpty {
            let messages = batch.records.map { record in
                LegacyMessage(
                    offset: batch.offset(of: record), timestamp: batch.timestamp(of: record),
                    isLogAppendTime: batch.header.attributes.isLogAppendTime, key: record.key, value: record.value)
            }
            var encoded = try encode(messages, magic: magic, codec: batch.header.attributes.compression ?? .none)
            output.writeBuffer(&encoded)
        }
        return output
    }
}
