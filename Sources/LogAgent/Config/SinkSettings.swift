/// A sink's configuration, by `type`.
public enum SinkSettings: Sendable, Equatable {
    case kafka(KafkaSinkConfig)
    case console(ConsoleSinkConfig)
}

/// `type: console`: writes encoded events to standard output, one per line (for trying a
/// configuration out).
public struct ConsoleSinkConfig: Sendable, Equatable {
    public var encoding: EventEncoding

    public init(encoding: EventEncoding = .json) { self.encoding = encoding }
}

/// `type: kafka`, validated at load; the Kafka sink (KafkaClient) builds its producer from it.
public struct KafkaSinkConfig: Sendable, Equatable {
    public enum Compression: String, Sendable, CaseIterable { case none, gzip, snappy, lz4, zstd }

    /// Producer `acks`: 0 (no acknowledgement), 1 (leader), all (-1, every in-sync replica).
    public enum Acks: Int, Sendable { case none = 0, leader = 1, all = -1 }

    /// A `high` lane ships ahead of `normal` ones under backpressure: it has its own queue and
    /// producer, its inputs are sent to before normal lanes, and its producer does not linger.
    public enum Priority: String, Sendable { case high, normal }

    /// `buffer:` (Vector's keys): `type` memory or disk; `max_size` (alias `max_bytes`);
    /// `when_full: block` (the only mode: never drop); for disk, `sync_interval_ms`.
    public struct Buffer: Sendable, Equatable {
        public enum Kind: String, Sendable { case memory, disk }
        public var kind: Kind = .memory
        /// memory: bytes of events held for this sink before its inputs are slowed down.
        /// disk: bytes of unacknowledged events on disk before its inputs are slowed down.
        public var maximumBytes = 64 << 20
        /// disk: the longest an appended event waits for its fsync (and its source checkpoint).
        public var syncIntervalMs: Int64 = 100

        public static let defaultDiskBytes = 1 << 30
    }

    /// `high_priority:` a high lane inside this sink for the events arriving from `inputs` or
    /// matching any condition in `when`; the others take the sink's `priority` lane. Each lane
    /// keeps its events' order; there is no order between lanes.
    public struct HighPriorityLane: Sendable, Equatable {
        public var inputs: [String] = []
        public var conditions: [FieldCondition] = []

        public init(inputs: [String] = [], conditions: [FieldCondition] = []) {
            self.inputs = inputs
            self.conditions = conditions
        }

        /// Whether an event from `input` belongs to the high lane.
        public func takes(_ event: LogEvent, from input: String) -> Bool {
            inputs.contains(input) || conditions.contains { $0.holds(for: event) }
        }
    }

    /// `host:port` entries.
    public var bootstrapServers: [String]
    public var topic: TopicTemplate
    /// The record key: this field's text; nil or an event without it gives records without a key.
    public var keyField: FieldPath?
    public var compression: Compression = .none
    public var acks: Acks = .all
    public var encoding: EventEncoding = .json
    /// The `source`, `host` and `service` record headers; off, a raw line is all a record carries
    /// (as rsyslog's omkafka sends it), which saves librdkafka four allocations and ~90 bytes per record.
    public var sendsHeaders = true
    public var priority: Priority = .normal
    public var buffer = Buffer()
    public var highPriority: HighPriorityLane?
    /// librdkafka producer properties (`linger.ms`, `batch.num.messages`, …) applied over the
    /// sink's own, as Vector's `librdkafka_options`: for tuning without a new agent release.
    public var librdkafkaOptions: [String: String] = [:]

    public init(bootstrapServers: [String], topic: TopicTemplate) {
        self.bootstrapServers = bootstrapServers
        self.topic = topic
    }

    /// The record key for an event under `keyField`, as UTF-8 bytes.
    public func key(for event: LogEvent) -> [UInt8]? {
        keyField.flatMap { event[$0]?.text }.map { Array($0.utf8) }
    }
}

extension SinkSettings {
    static func read(type: String, from reader: ConfigReader) throws(ConfigError) -> SinkSettings? {
        switch type {
        case "console":
            var config = ConsoleSinkConfig()
            config.encoding = try reader.choice("encoding", ["json": EventEncoding.json, "raw": .raw]) ?? .json
            return .console(config)
        case "kafka":
            return .kafka(try KafkaSinkConfig.read(from: reader))
        default:
            return nil
        }
    }
}

extension KafkaSinkConfig {
    static func read(from reader: ConfigReader) throws(ConfigError) -> KafkaSinkConfig {
        guard let servers = try reader.stringList("bootstrap_servers")?.flatMap({ $0.split(separator: ",").map(String.init) }),
            !servers.isEmpty
        else { throw reader.error("bootstrap_servers", line: reader.line, "is required") }
        for server in servers {
            let parts = server.trimmingSpaces.split(separator: ":")
            guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
                throw reader.error("bootstrap_servers", "expected host:port entries, got \"\(server)\"")
            }
        }
        let topic: TopicTemplate
        do {
            topic = try TopicTemplate(try reader.requiredString("topic"))
        } catch let invalid as TopicTemplate.Invalid {
            throw reader.error("topic", invalid.reason)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw reader.error("topic", "\(error)")
        }
        var config = KafkaSinkConfig(bootstrapServers: servers.map(\.trimmingSpaces), topic: topic)
        config.keyField = try reader.fieldPath("key_field")
        config.compression = try reader.choice("compression", [
            "none": Compression.none, "gzip": .gzip, "snappy": .snappy, "lz4": .lz4, "zstd": .zstd,
        ]) ?? .none
        config.acks = try reader.choice("acks", ["0": Acks.none, "1": .leader, "all": .all, "-1": .all]) ?? .all
        config.encoding = try reader.choice("encoding", ["json": EventEncoding.json, "raw": .raw]) ?? .json
        config.sendsHeaders = try reader.bool("headers") ?? true
        config.priority = try reader.choice("priority", ["high": Priority.high, "normal": .normal]) ?? .normal
        for (name, value) in try reader.values("librdkafka_options") ?? [:] {
            guard let text = value.text else { throw reader.error("librdkafka_options", "\(name) needs a value") }
            config.librdkafkaOptions[name] = text
        }
        if let buffer = try reader.nested("buffer") {
            config.buffer = try Buffer.read(from: buffer)
        }
        if let lane = try reader.nested("high_priority") {
            config.highPriority = try HighPriorityLane.read(from: lane, sinkInputs: try reader.stringList("inputs") ?? [])
        }
        return config
    }
}

extension KafkaSinkConfig.Buffer {
    static func read(from reader: ConfigReader) throws(ConfigError) -> Self {
        var buffer = Self()
        buffer.kind = try reader.choice("type", ["memory": Kind.memory, "disk": .disk]) ?? .memory
        let size = try reader.int("max_size", in: 1024...(1 << 44))
        let legacySize = try reader.int("max_bytes", in: 1024...(1 << 44))
        if size != nil && legacySize != nil { throw reader.error("max_bytes", "give max_size or max_bytes, not both") }
        buffer.maximumBytes = size ?? legacySize ?? (buffer.kind == .disk ? defaultDiskBytes : buffer.maximumBytes)
        _ = try reader.choice("when_full", ["block": true])
        if let interval = try reader.int("sync_interval_ms", in: 1...60_000) {
            guard buffer.kind == .disk else { throw reader.error("sync_interval_ms", "applies only to type: disk") }
            buffer.syncIntervalMs = Int64(interval)
        }
        try reader.finish()
        return buffer
    }
}

extension KafkaSinkConfig.HighPriorityLane {
    static func read(from reader: ConfigReader, sinkInputs: [String]) throws(ConfigError) -> Self {
        var lane = Self()
        lane.inputs = try reader.stringList("inputs") ?? []
        if let stranger = lane.inputs.first(where: { !sinkInputs.contains($0) }) {
            throw reader.error("inputs", "\"\(stranger)\" is not one of this sink's inputs (\(sinkInputs.joined(separator: ", ")))")
        }
        lane.conditions = try TransformSettings.conditions("when", from: reader) ?? []
        guard !lane.inputs.isEmpty || !lane.conditions.isEmpty else {
            throw reader.error("inputs", line: reader.line, "give inputs or when (or both): what goes to the high lane")
        }
        try reader.finish()
        return lane
    }
}
