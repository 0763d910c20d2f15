import KafkaProtocol

/// An offset a group committed for one partition, as stored in `__consumer_offsets`.
public struct CommittedOffset: Sendable, Equatable {
    public var offset: Offset
    public var leaderEpoch: LeaderEpoch
    /// Never nil: Kafka stores a null metadata string as empty.
    public var metadata: String
    /// When the coordinator accepted the commit, in milliseconds since the epoch.
    public var commitTimestamp: Int64
    /// Set only for commits with an explicit retention time (OffsetCommit v2-v4); such an offset
    /// expires at this time instead of by the group's retention rule.
    public var expireTimestamp: Int64?

    public init(offset: Offset, leaderEpoch: LeaderEpoch = .unknown, metadata: String = "", commitTimestamp: Int64, expireTimestamp: Int64? = nil) {
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.commitTimestamp = commitTimestamp
        self.expireTimestamp = expireTimestamp
    }
}

/// One partition's offset in an OffsetCommit request.
public struct PartitionCommit: Sendable, Equatable {
    public var key: OffsetKey
    public var offset: Offset
    public var leaderEpoch: LeaderEpoch
    public var metadata: String?

    public init(key: OffsetKey, offset: Offset, leaderEpoch: LeaderEpoch = .unknown, metadata: String? = nil) {
        self.key = key
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
    }
}

/// An OffsetCommit request. Members commit with their generation; a client without group
/// management (a "simple" consumer, an admin tool) commits with generation -1 and no member id,
/// which Kafka accepts only while the group has no members.
public struct OffsetCommitInput: Sendable, Equatable {
    public var groupID: String
    public var generationID: Int32
    public var memberID: String
    public var groupInstanceID: String?
    /// OffsetCommit v2-v4's retention_time_ms; -1 means "the broker's retention".
    public var retentionTimeMs: Int64
    public var partitions: [PartitionCommit]

    public init(
        groupID: String, generationID: Int32 = -1, memberID: String = "", groupInstanceID: String? = nil,
        retentionTimeMs: Int64 = -1, partitions: [PartitionCommit]
    ) {
        self.groupID = groupID
        self.generationID = generationID
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.retentionTimeMs = retentionTimeMs
        self.partitions = partitions
    }
}

/// A per-partition error (or `.none`), in the order the request listed the partitions.
public struct PartitionResult: Sendable, Equatable {
    public var key: OffsetKey
    public var errorCode: ErrorCode

    public init(key: OffsetKey, errorCode: ErrorCode) {
        self.key = key
        self.errorCode = errorCode
    }
}

/// One partition in an OffsetFetch response: offset -1 and empty metadata when nothing is committed.
public struct FetchedOffset: Sendable, Equatable {
    public var key: OffsetKey
    public var offset: Offset
    public var leaderEpoch: LeaderEpoch
    public var metadata: String
    public var errorCode: ErrorCode

    public init(key: OffsetKey, offset: Offset, leaderEpoch: LeaderEpoch, metadata: String, errorCode: ErrorCode = .none) {
        self.key = key
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.errorCode = errorCode
    }

    static func none(_ key: OffsetKey) -> FetchedOffset {
        FetchedOffset(key: key, offset: Offset(-1), leaderEpoch: .unknown, metadata: "")
    }
}

/// The answer to OffsetFetch for one group.
public struct OffsetFetchResult: Sendable, Equatable {
    public var errorCode: ErrorCode
    public var partitions: [FetchedOffset]

    public init(errorCode: ErrorCode, partitions: [FetchedOffset]) {
        self.errorCode = errorCode
        self.partitions = partitions
    }
}

/// The answer to OffsetDelete: a group-level error (then no partitions), or one per partition.
public struct OffsetDeleteResult: Sendable, Equatable {
    public var errorCode: ErrorCode
    public var partitions: [PartitionResult]

    public init(errorCode: ErrorCode, partitions: [PartitionResult]) {
        self.errorCode = errorCode
        self.partitions = partitions
    }
}
