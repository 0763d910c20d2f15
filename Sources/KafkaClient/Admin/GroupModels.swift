/// A consumer group as ListConsumerGroups reports it.
public struct ConsumerGroupListing: Sendable, Hashable {
    public var groupID: String
    /// librdkafka's state name: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead, Unknown.
    public var state: String
    /// A group that only commits offsets (no members join it), e.g. a consumer using `assign`.
    public var isSimple: Bool
}

/// A consumer group with its members and their assignments.
public struct ConsumerGroupDescription: Sendable, Hashable {
    public var groupID: String
    public var state: String
    public var partitionAssignor: String
    public var isSimple: Bool
    public var coordinator: BrokerDescription?
    public var members: [ConsumerGroupMember]
}

public struct ConsumerGroupMember: Sendable, Hashable {
    public var memberID: String
    public var clientID: String
    public var host: String
    public var groupInstanceID: String?
    public var assignment: [TopicPartition]
}

/// How far a group is behind on one partition.
public struct PartitionLag: Sendable, Hashable {
    public var topicPartition: TopicPartition
    /// The next offset the group will read, or nil when it never committed one.
    public var committedOffset: Int64?
    /// The high watermark: where the next produced record goes.
    public var endOffset: Int64
    /// endOffset − committedOffset; nil without a commit.
    public var lag: Int64?
    /// The member reading the partition now, if any.
    public var member: ConsumerGroupMember?
}

/// Where to move a group's offsets.
public enum OffsetResetTarget: Sendable, Hashable {
    case earliest
    case latest
    /// The first record at or after this time; the end when there is none.
    case timestamp(KafkaTimestamp)
}

/// One partition of a planned offset reset.
public struct OffsetResetPlan: Sendable, Hashable {
    public var topicPartition: TopicPartition
    public var currentOffset: Int64?
    public var newOffset: Int64
}
