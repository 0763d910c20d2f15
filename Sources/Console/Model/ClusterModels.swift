import KafkaClient

/// `/api/cluster`: the brokers and a summary of every topic.
public struct ClusterOverview: Codable, Sendable {
    public var bootstrap: String
    public var brokers: [BrokerInfo]
    public var topics: [TopicSummary]
    public var partitionCount: Int
    /// Records currently held, summed over every partition (latest − earliest offset).
    public var recordCount: Int64
    public var sampling: SamplingStatus
}

public struct BrokerInfo: Codable, Sendable, Hashable {
    public var id: Int32
    public var host: String
    public var port: Int32
    /// Partitions this broker leads.
    public var leaderPartitions: Int
}

/// `/api/topics`: one topic as the overview lists it.
public struct TopicSummary: Codable, Sendable {
    public var name: String
    public var partitions: Int
    public var replicationFactor: Int
    /// Sum of the partitions' latest offsets (high watermarks).
    public var endOffset: Int64
    /// Records currently held: sum of latest − earliest offsets.
    public var records: Int64
    /// `retention.ms` (-1: forever) and `retention.bytes` (-1: unlimited), nil when the cluster did not say.
    public var retentionMs: Int64?
    public var retentionBytes: Int64?
    /// Records per second over the sampled window, nil before two samples.
    public var produceRate: Double?
    /// Partitions whose in-sync replicas are fewer than their replicas.
    public var underReplicatedPartitions: Int
    /// Topic-level records per second at each sample, oldest first.
    public var rateHistory: [RatePoint]
}

/// `/api/topics/{name}`: partitions, configuration and produce rate of one topic.
public struct TopicDetail: Codable, Sendable {
    public var summary: TopicSummary
    public var partitions: [PartitionInfo]
    /// Entries set on the topic itself (overrides), sorted by name.
    public var configOverrides: [ConfigInfo]
}

public struct PartitionInfo: Codable, Sendable {
    public var partition: Int32
    /// -1 when the partition has no leader.
    public var leader: Int32
    public var replicas: [Int32]
    public var inSyncReplicas: [Int32]
    public var earliestOffset: Int64
    public var latestOffset: Int64
    /// Records currently held: latest − earliest.
    public var records: Int64
    public var produceRate: Double?
    /// A metadata error for the partition (e.g. LEADER_NOT_AVAILABLE), nil when healthy.
    public var error: String?

    init(partition: PartitionDescription, watermarks: WatermarkOffsets, produceRate: Double?) {
        self.partition = partition.partition
        leader = partition.leader
        replicas = partition.replicas
        inSyncReplicas = partition.inSyncReplicas
        earliestOffset = watermarks.low
        latestOffset = watermarks.high
        records = watermarks.high - watermarks.low
        self.produceRate = produceRate
        error = partition.error?.name
    }
}

public struct ConfigInfo: Codable, Sendable, Hashable {
    public var name: String
    public var value: String?
    public var source: String
}

public struct RatePoint: Codable, Sendable, Hashable {
    /// Milliseconds since the epoch.
    public var timestamp: Int64
    public var recordsPerSecond: Double
}

/// How the background sampler is doing; part of the overview and of `/health`.
public struct SamplingStatus: Codable, Sendable, Hashable {
    public var intervalSeconds: Double
    /// Lag verdicts look at this many samples.
    public var windowSize: Int
    public var rounds: Int
    /// When the last successful round finished, milliseconds since the epoch.
    public var lastSampleAt: Int64?
    /// Why the last round failed, nil when it succeeded.
    public var lastError: String?
}
