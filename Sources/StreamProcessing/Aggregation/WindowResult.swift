/// The values of one group's window, as emitted to detectors, alert rules and sinks.
///
/// A window is emitted at most twice (see `MergeProcessor`): revision 0 once the watermark of every source
/// partition reached its end, then, when the aggregation allows lateness, revision 1 with `isFinal` once
/// every partition's watermark passed end + lateness, late events included. With zero lateness the first
/// emission is final. Consumers keep the highest revision.
public struct WindowResult: Hashable, Codable, Sendable {
    public var aggregation: String
    public var groupKey: GroupKey
    public var windowStartMillis: Int64
    public var windowEndMillis: Int64
    public var revision: Int
    public var isFinal: Bool
    public var values: [String: AggregateValue]
    /// The partials-topic record whose arrival completed this result. Replays emit the same result at the
    /// same position, so a sink that stores positions writes each result once.
    public var position: RecordPosition?

    public init(aggregation: String, groupKey: GroupKey, windowStartMillis: Int64, windowEndMillis: Int64,
                revision: Int, isFinal: Bool, values: [String: AggregateValue], position: RecordPosition? = nil) {
        self.aggregation = aggregation
        self.groupKey = groupKey
        self.windowStartMillis = windowStartMillis
        self.windowEndMillis = windowEndMillis
        self.revision = revision
        self.isFinal = isFinal
        self.values = values
        self.position = position
    }
}

/// A record's place in Kafka.
public struct RecordPosition: Hashable, Codable, Sendable, CustomStringConvertible {
    public var topicPartition: TopicPartition
    public var offset: Int64

    public init(topicPartition: TopicPartition, offset: Int64) {
        self.topicPartition = topicPartition
        self.offset = offset
    }

    public var description: String { "\(topicPartition)@\(offset)" }
}

/// The group-by field values of a window, in the order the aggregation names its group-by fields.
public struct GroupKey: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var fields: [String]
    public var values: [String]

    public init(fields: [String], values: [String]) {
        self.fields = fields
        self.values = values
    }

    public static func < (lhs: GroupKey, rhs: GroupKey) -> Bool {
        lhs.values.lexicographicallyPrecedes(rhs.values)
    }

    /// `route=/api,status=500`, or `*` for an aggregation without group-by.
    public var description: String {
        fields.isEmpty ? "*" : zip(fields, values).map { "\($0)=\($1)" }.joined(separator: ",")
    }
}
