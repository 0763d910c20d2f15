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
