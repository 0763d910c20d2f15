/// The coordinator's settings, named and defaulted as Kafka's broker configs.
public struct GroupCoordinatorConfig: Sendable, Equatable {
    /// `group.initial.rebalance.delay.ms`: how long the first rebalance of an empty group waits
    /// for more members, extended by one delay per new member up to the rebalance timeout.
    public var initialRebalanceDelayMs: Int64
    /// `group.min.session.timeout.ms`
    public var minSessionTimeoutMs: Int32
    /// `group.max.session.timeout.ms`
    public var maxSessionTimeoutMs: Int32
    /// `group.max.size`
    public var maxGroupSize: Int
    /// How long a new member's JoinGroup may wait before it is dropped (Kafka's fixed
    /// NewMemberJoinTimeoutMs), so clients that gave up do not linger in a rebalance.
    public var newMemberJoinTimeoutMs: Int64
    /// `offsets.retention.minutes`, in milliseconds.
    public var offsetsRetentionMs: Int64
    /// `offsets.retention.check.interval.ms`
    public var offsetsRetentionCheckIntervalMs: Int64
    /// `offsets.topic.num.partitions`: fixed once the topic exists, since it decides where each group lives.
    public var offsetsTopicPartitions: Int32
    /// `offset.metadata.max.bytes`
    public var offsetMetadataMaxBytes: Int

    public init(
        initialRebalanceDelayMs: Int64 = 3_000,
        minSessionTimeoutMs: Int32 = 6_000,
        maxSessionTimeoutMs: Int32 = 1_800_000,
        maxGroupSize: Int = Int(Int32.max),
        newMemberJoinTimeoutMs: Int64 = 300_000,
        offsetsRetentionMs: Int64 = 7 * 24 * 60 * 60 * 1_000,
        offsetsRetentionCheckIntervalMs: Int64 = 600_000,
        offsetsTopicPartitions: Int32 = 50,
        offsetMetadataMaxBytes: Int = 4_096
    ) {
        self.initialRebalanceDelayMs = initialRebalanceDelayMs
        self.minSessionTimeoutMs = minSessionTimeoutMs
        self.maxSessionTimeoutMs = maxSessionTimeoutMs
        self.maxGroupSize = maxGroupSize
        self.newMemberJoinTimeoutMs = newMemberJoinTimeoutMs
        self.offsetsRetentionMs = offsetsRetentionMs
        self.offsetsRetentionCheckIntervalMs = offsetsRetentionCheckIntervalMs
        self.offsetsTopicPartitions = offsetsTopicPartitions
        self.offsetMetadataMaxBytes = offsetMetadataMaxBytes
    }
}
