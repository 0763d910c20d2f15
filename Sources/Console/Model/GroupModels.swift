import LagHealth

/// `/api/groups`: one consumer group as the list shows it.
public struct GroupSummary: Codable, Sendable {
    public var group: String
    public var state: String
    /// "consumer" for groups whose members join, "simple" for groups that only commit offsets.
    public var type: String
    public var members: Int
    public var topics: [String]
    /// Sum of the lag of every partition the group committed, live.
    public var totalLag: Int64
    public var status: GroupStatus
    public var reason: String
}

/// `/api/groups/{id}`: members, assignments, per-partition lag and the verdict.
public struct GroupDetail: Codable, Sendable {
    public var summary: GroupSummary
    public var partitionAssignor: String
    public var coordinator: BrokerInfo?
    public var members: [MemberInfo]
    public var partitions: [GroupPartitionInfo]
    /// Total lag at each sample, oldest first.
    public var lagHistory: [LagPoint]
}

public struct MemberInfo: Codable, Sendable {
    public var memberID: String
    public var clientID: String
    public var host: String
    public var groupInstanceID: String?
    /// "topic [partition]" for each assigned partition.
    public var assignment: [String]
}

public struct GroupPartitionInfo: Codable, Sendable {
    public var topic: String
    public var partition: Int32
    /// The next offset the group reads, nil when it never committed.
    public var committedOffset: Int64?
    /// nil when the topic no longer exists (Kafka keeps a group's commits after a topic is deleted).
    public var endOffset: Int64?
    /// endOffset − committedOffset, nil without either.
    public var lag: Int64?
    public var memberID: String?
    public var clientID: String?
    public var host: String?
    public var status: PartitionStatus
    public var reason: String
}

public struct LagPoint: Codable, Sendable, Hashable {
    public var timestamp: Int64
    public var totalLag: Int64
}
