/// A record to produce. A nil `value` is a tombstone; an empty one is an empty record.
public struct ProducerMessage: Sendable, Hashable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// nil lets the partitioner choose (by key hash, or sticky for null keys).
    public var partition: Int32?
    /// nil lets librdkafka stamp the current time.
    public var timestamp: KafkaTimestamp?

    public init(
        topic: String, key: [UInt8]? = nil, value: [UInt8]?, headers: [KafkaHeader] = [],
        partition: Int32? = nil, timestamp: KafkaTimestamp? = nil
    ) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
        self.timestamp = timestamp
    }

    public init(
        topic: String, key: String? = nil, value: String, headers: [KafkaHeader] = [],
        partition: Int32? = nil, timestamp: KafkaTimestamp? = nil
    ) {
        self.init(
            topic: topic, key: key.map { Array($0.utf8) }, value: Array(value.utf8), headers: headers,
            partition: partition, timestamp: timestamp)
    }
}
