/// A topic to create. nil partitions or replication factor take the broker's defaults
/// (`num.partitions`, `default.replication.factor`).
public struct NewTopic: Sendable, Hashable {
    public var name: String
    public var partitions: Int32?
    public var replicationFactor: Int16?
    /// Topic configuration, e.g. `["retention.ms": "86400000", "cleanup.policy": "compact"]`.
    public var config: [String: String]

    public init(name: String, partitions: Int32? = nil, replicationFactor: Int16? = nil, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}

/// A topic as the cluster's metadata describes it.
public struct TopicDescription: Sendable, Hashable {
    public var name: String
    public var partitions: [PartitionDescription]

    /// Replicas per partition (of the first partition; Kafka keeps them equal unless reassigned).
    public var replicationFactor: Int { partitions.first?.replicas.count ?? 0 }
}

/// One partition: who leads it, who holds it, and who is in sync.
public struct PartitionDescription: Sendable, Hashable {
    public var partition: Int32
    /// The leader's broker id, or -1 when there is none.
    public var leader: Int32
    public var replicas: [Int32]
    public var inSyncReplicas: [Int32]
    /// A partition-level metadata error (e.g. LEADER_NOT_AVAILABLE), nil when healthy.
    public var error: KafkaErrorCode?
}

/// A broker as the cluster's metadata lists it.
public struct BrokerDescription: Sendable, Hashable {
    public var id: Int32
    public var host: String
    public var port: Int32
}

/// Brokers and topics, from one metadata request.
public struct ClusterDescription: Sendable, Hashable {
    public var brokers: [BrokerDescription]
    public var topics: [TopicDescription]
    /// The broker that answered.
    public var originatingBroker: BrokerDescription?
}

/// The oldest offset still in a partition and the offset the next record will get (high watermark).
public struct WatermarkOffsets: Sendable, Hashable {
    public var low: Int64
    public var high: Int64

    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }
}
