/// Where the broker stored a produced record.
public struct DeliveryReport: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// The record's timestamp as librdkafka knows it (the producer's, or the broker's for LogAppendTime).
    public var timestamp: KafkaTimestamp?

    public init(topic: String, partition: Int32, offset: Int64, timestamp: KafkaTimestamp?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
    }
}
