/// The table of topic-level config keys: how each parses into `LogConfig` and how it is reported.
/// One table serves parsing, validation and DescribeConfigs, so the three cannot disagree.
struct LogConfigKeys {
    struct Key: Sendable {
        let name: String
        let apply: @Sendable (inout LogConfig, String) throws(LogConfigError) -> Void
        /// nil for unit aliases (`retention.hours`), which are accepted but reported under their `.ms` key.
        let render: (@Sendable (LogConfig) -> String)?
        /// The key a unit alias sets (`retention.ms` for `retention.hours`).
        var aliasOf: String? = nil
    }

    /// Ordered so that coarser aliases apply before the key that overrides them.
    static let all: [Key] = [
        integer("segment.bytes", \.segmentBytes, 14...Int(Int32.max)),
        integer("segment.hours", \.segmentMs, 1...(Int64.max / 3_600_000), unit: 3_600_000, aliasOf: "segment.ms"),
        integer("segment.ms", \.segmentMs, 1...Int64.max),
        integer("retention.hours", \.retentionMs, -1...(Int64.max / 3_600_000), unit: 3_600_000, aliasOf: "retention.ms"),
        integer("retention.minutes", \.retentionMs, -1...(Int64.max / 60_000), unit: 60_000, aliasOf: "retention.ms"),
        integer("retention.ms", \.retentionMs, -1...Int64.max),
        integer("retention.bytes", \.retentionBytes, -1...Int64.max),
        integer("index.interval.bytes", \.indexIntervalBytes, 0...Int(Int32.max)),
        integer("segment.index.bytes", \.segmentIndexBytes, 4...Int(Int32.max)),
        integer("flush.messages", \.flushMessages, 1...Int64.max),
        integer("flush.ms", \.flushMs, 0...Int64.max),
        integer("max.message.bytes", \.maxMessageBytes, 0...Int(Int32.max)),
        integer("file.delete.delay.ms", \.fileDeleteDelayMs, 0...Int64.max),
        Key(
            name: "message.timestamp.type",
            apply: { (config, value) throws(LogConfigError) in
                guard let type = TimestampType(rawValue: value) else {
                    throw LogConfigError(key: "message.timestamp.type", value: value, reason: "expected CreateTime or LogAppendTime")
                }
                config.messageTimestampType = type
            },
            render: { $0.messageTimestampType.rawValue }
        ),
        Key(
            name: "cleanup.policy",
            apply: { (config, value) throws(LogConfigError) in
                guard let policy = CleanupPolicy(configValue: value) else {
                    throw LogConfigError(key: "cleanup.policy", value: value, reason: "expected delete, compact or compact,delete")
                }
                config.cleanupPolicy = policy
            },
            render: { $0.cleanupPolicy.description }
        ),
    ] + acceptedWithoutEffect.map(passThrough)

    static let byName: [String: Key] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// Kafka topic configs with their Kafka defaults that clients and tools set routinely. We accept,
    /// store and report them so those clients work, but the log layer does not act on them.
    static let acceptedWithoutEffect: [(name: String, defaultValue: String, allowed: Set<String>?)] = [
        ("compression.type", "producer", ["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"]),
        ("delete.retention.ms", "86400000", nil),
        ("min.compaction.lag.ms", "0", nil),
        ("max.compaction.lag.ms", "9223372036854775807", nil),
        ("min.cleanable.dirty.ratio", "0.5", nil),
        ("min.insync.replicas", "1", nil),
        ("preallocate", "false", ["true", "false"]),
        ("unclean.leader.election.enable", "false", ["true", "false"]),
        ("message.downconversion.enable", "true", ["true", "false"]),
        ("message.timestamp.difference.max.ms", "9223372036854775807", nil),
        ("message.timestamp.before.max.ms", "9223372036854775807", nil),
        ("message.timestamp.after.max.ms", "9223372036854775807", nil),
        ("segment.jitter.ms", "0", nil),
        ("leader.replication.throttled.replicas", "", nil),
        ("follower.replication.throttled.replicas", "", nil),
        ("local.retention.ms", "-2", nil),
        ("local.retention.bytes", "-2", nil),
        ("remote.storage.enable", "false", ["true", "false"]),
    ]

    private static func passThrough(_ entry: (name: String, defaultValue: String, allowed: Set<String>?)) -> Key {
        Key(
            name: entry.name,
            apply: { (config, value) throws(LogConfigError) in
                if let allowed = entry.allowed, !allowed.contains(value) {
                    throw LogConfigError(key: entry.name, value: value, reason: "expected one of \(allowed.sorted().joined(separator: ", "))")
                }
                config.otherSettings[entry.name] = value
            },
            render: { $0.otherSettings[entry.name] ?? entry.defaultValue }
        )
    }

    /// A whole-number key stored in `keyPath`, given in multiples of `unit` (hours → ms). Negative
    /// values of a scaled key mean "unlimited" (-1), as Kafka's `retention.hours=-1` does.
    private static func integer<Value: FixedWidthInteger & SignedInteger & Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<LogConfig, Value> & Sendable, _ range: ClosedRange<Value>,
        unit: Value = 1, aliasOf: String? = nil
    ) -> Key {
        let apply: @Sendable (inout LogConfig, String) throws(LogConfigError) -> Void = { config, value throws(LogConfigError) in
            guard let number = Value(Substring(value).trimmingSpaces, radix: 10) else {
                throw LogConfigError(key: name, value: value, reason: "expected a whole number")
            }
            guard range.contains(number) else {
                throw LogConfigError(key: name, value: value, reason: "must be between \(range.lowerBound) and \(range.upperBound)")
            }
            config[keyPath: keyPath] = number < 0 ? -1 : number * unit
        }
        let render: @Sendable (LogConfig) -> String = { String($0[keyPath: keyPath]) }
        return Key(name: name, apply: apply, render: aliasOf == nil ? render : nil, aliasOf: aliasOf)
    }
}
