/// A parsed record: named fields, its event time, and the Kafka position it came from.
public struct Event: Hashable, Sendable, Codable {
    public var fields: [String: FieldValue]
    public var timeMillis: Int64
    public var topicPartition: TopicPartition
    public var offset: Int64

    public init(fields: [String: FieldValue], timeMillis: Int64, topicPartition: TopicPartition, offset: Int64) {
        self.fields = fields
        self.timeMillis = timeMillis
        self.topicPartition = topicPartition
        self.offset = offset
    }

    public subscript(field: String) -> FieldValue? {
        get { fields[field] }
        set { fields[field] = newValue }
    }
}
