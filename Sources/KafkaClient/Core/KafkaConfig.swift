/// Client settings under librdkafka's own property names (see librdkafka's CONFIGURATION.md), so
/// anything librdkafka supports can be passed through. The typed properties are conveniences over the
/// same dictionary; setting one to nil removes the property and leaves librdkafka's default.
public struct KafkaConfig: Sendable, Hashable {
    public var properties: [String: String]

    public init(_ properties: [String: String] = [:]) {
        self.properties = properties
    }

    public init(bootstrapServers: String, _ properties: [String: String] = [:]) {
        self.properties = properties
        self.bootstrapServers = bootstrapServers
    }

    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// `bootstrap.servers`: comma-separated HOST:PORT list.
    public var bootstrapServers: String? {
        get { self["bootstrap.servers"] }
        set { self["bootstrap.servers"] = newValue }
    }

    /// `client.id`
    public var clientID: String? {
        get { self["client.id"] }
        set { self["client.id"] = newValue }
    }

    /// `group.id`: the consumer group; nil for a consumer that only reads assigned partitions.
    public var groupID: String? {
        get { self["group.id"] }
        set { self["group.id"] = newValue }
    }

    /// `acks`
    public var acks: KafkaAcks? {
        get { self["acks"].flatMap(KafkaAcks.init(rawValue:)) }
        set { self["acks"] = newValue?.rawValue }
    }

    /// `compression.codec`
    public var compression: KafkaCompression? {
        get { self["compression.codec"].flatMap(KafkaCompression.init(rawValue:)) }
        set { self["compression.codec"] = newValue?.rawValue }
    }

    /// `linger.ms`: how long the producer waits to fill a batch.
    public var linger: Duration? {
        get { milliseconds("linger.ms") }
        set { setMilliseconds("linger.ms", newValue) }
    }

    /// `batch.size`: the largest batch in bytes.
    public var batchSize: Int? {
        get { self["batch.size"].flatMap { Int($0) } }
        set { self["batch.size"] = newValue.map(String.init) }
    }

    /// `message.timeout.ms`: how long the producer tries to deliver a message before failing it.
    public var messageTimeout: Duration? {
        get { milliseconds("message.timeout.ms") }
        set { setMilliseconds("message.timeout.ms", newValue) }
    }

    /// `enable.idempotence`
    public var enableIdempotence: Bool? {
        get { bool("enable.idempotence") }
        set { self["enable.idempotence"] = newValue.map { String($0) } }
    }

    /// `enable.auto.commit`: commit consumed positions periodically (`auto.commit.interval.ms`).
    public var enableAutoCommit: Bool? {
        get { bool("enable.auto.commit") }
        set { self["enable.auto.commit"] = newValue.map { String($0) } }
    }

    /// `auto.offset.reset`: where a group starts when it has no committed offset.
    public var autoOffsetReset: KafkaAutoOffsetReset? {
        get { self["auto.offset.reset"].flatMap(KafkaAutoOffsetReset.init(rawValue:)) }
        set { self["auto.offset.reset"] = newValue?.rawValue }
    }

    /// `partition.assignment.strategy`, e.g. `cooperative-sticky` for incremental rebalancing.
    public var partitionAssignmentStrategy: String? {
        get { self["partition.assignment.strategy"] }
        set { self["partition.assignment.strategy"] = newValue }
    }

    /// `session.timeout.ms`
    public var sessionTimeout: Duration? {
        get { milliseconds("session.timeout.ms") }
        set { setMilliseconds("session.timeout.ms", newValue) }
    }

    /// `socket.timeout.ms`: the default timeout of network requests.
    public var socketTimeout: Duration? {
        get { milliseconds("socket.timeout.ms") }
        set { setMilliseconds("socket.timeout.ms", newValue) }
    }

    private func milliseconds(_ key: String) -> Duration? {
        self[key].flatMap { Int64($0) }.map { .milliseconds($0) }
    }

    private mutating func setMilliseconds(_ key: String, _ value: Duration?) {
        self[key] = value.map { String($0.wholeMilliseconds) }
    }

    private func bool(_ key: String) -> Bool? {
        self[key].flatMap { Bool($0) }
    }
}

/// `acks`: how many replicas must have a record before the producer counts it as delivered.
public enum KafkaAcks: String, Sendable, CaseIterable {
    case none = "0"
    case leader = "1"
    case all = "all"

    /// Accepts every spelling Kafka tools accept: 0, 1, -1, all.
    public init?(kafkaSpelling: String) {
        switch kafkaSpelling {
        case "-1": self = .all
        default: self.init(rawValue: kafkaSpelling)
        }
    }
}

/// `compression.codec` values.
public enum KafkaCompression: String, Sendable, CaseIterable {
    case none, gzip, snappy, lz4, zstd
}

/// `auto.offset.reset` values.
public enum KafkaAutoOffsetReset: String, Sendable, CaseIterable {
    case earliest, latest, error
}

extension Duration {
    /// Whole milliseconds, rounded down; librdkafka takes every timeout in milliseconds.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Milliseconds as librdkafka's `int` timeout parameters take them, clamped to its range.
    var timeoutMilliseconds: Int32 {
        Int32(clamping: Swift.max(0, wholeMilliseconds))
    }
}
