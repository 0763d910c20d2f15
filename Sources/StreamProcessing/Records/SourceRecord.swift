import NIOCore

/// One record as the Kafka consumer hands it over: where it came from and its raw bytes.
public struct SourceRecord: Sendable {
    public var topicPartition: TopicPartition
    public var offset: Int64
    /// The Kafka record timestamp, used as event time when the pipeline names no timestamp field.
    public var timestampMillis: Int64
    public var key: ByteBuffer?
    public var value: ByteBuffer?

    public init(topicPartition: TopicPartition, offset: Int64, timestampMillis: Int64, key: ByteBuffer? = nil, value: ByteBuffer?) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.timestampMillis = timestampMillis
        self.key = key
        self.value = value
    }
}
