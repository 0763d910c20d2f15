import KafkaRecords
import NIOCore

extension OffsetsTopicAppend {
    /// The records as one uncompressed magic-v2 batch at base offset 0 (the log assigns the real
    /// offsets on append), the way Kafka's coordinator writes them with CreateTime timestamps.
    /// Nil when there is nothing to append.
    public func recordBatch() throws -> ByteBuffer? {
        guard !records.isEmpty else { return nil }
        return try RecordBatchBuilder().build(records.map {
            ProducerRecord(key: $0.key, value: $0.value, timestamp: timestamp)
        })
    }
}
