import KafkaProtocol

/// Something the network layer must do for the coordinator. Effects come back from every call in
/// the order they must be carried out: an `append` must be in the log before any response after it
/// is sent (and before the direct result of the call that produced it), because those responses
/// report what it stores. Appends must reach each partition in the order they were returned, so
/// that compaction keeps the latest record of every key.
public enum GroupEffect: Sendable, Equatable {
    /// Answer the JoinGroup request held under the token.
    case completeJoin(RequestToken, JoinGroupResult)
    /// Answer the SyncGroup request held under the token.
    case completeSync(RequestToken, SyncGroupResult)
    /// Append these records to `__consumer_offsets`.
    case append(OffsetsTopicAppend)
}

/// Records for one partition of `__consumer_offsets`, stamped with the coordinator's clock.
public struct OffsetsTopicAppend: Sendable, Equatable {
    public var partition: PartitionIndex
    public var records: [CoordinatorRecord]
    /// The CreateTime of every record, in milliseconds since the epoch.
    public var timestamp: Int64

    public init(partition: PartitionIndex, records: [CoordinatorRecord], timestamp: Int64) {
        self.partition = partition
        self.records = records
        self.timestamp = timestamp
    }
}
