/// A record read from a partition, with everything the broker sent about it.
public struct ConsumedMessage: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var timestamp: KafkaTimestamp?
    public var timestampType: KafkaTimestampType?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// How many times the consumer had dropped buffered messages (seek, assign, rebalance) when a reader
    /// took this one. `KafkaConsumer.seek` returns the generation from which messages follow the new
    /// position, so a reader that took a message before the seek can tell it is stale.
    public var readGeneration: UInt64 = 0

    public init(
        topic: String, partition: Int32, offset: Int64, timestamp: KafkaTimestamp?, timestampType: KafkaTimestampType?,
        key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.timestampType = timestampType
        self.key = key
        self.value = value
        self.headers = headers
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}
