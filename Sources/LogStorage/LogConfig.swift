/// A partition log's settings, named and defaulted as Kafka's topic-level configs are
/// (https://kafka.apache.org/documentation/#topicconfigs). Parse one from string settings with
/// `LogConfig(_:)` or `applying(_:)`; every invalid value throws a `LogConfigError` naming key and value.
public struct LogConfig: Sendable, Equatable {
    /// `segment.bytes`: roll to a new segment when the active one would grow past this.
    /// Capped at Int32.max because index entries store 32-bit file positions, as Kafka's do.
    public var segmentBytes: Int = 1 << 30
    /// `segment.ms`: roll a segment whose first batch is older than this, so retention can delete it.
    public var segmentMs: Int64 = 604_800_000
    /// `retention.ms`: delete segments whose newest timestamp is older than this; -1 keeps them forever.
    public var retentionMs: Int64 = 604_800_000
    /// `retention.bytes`: delete the oldest segments while the partition is larger than this; -1 = no limit.
    public var retentionBytes: Int64 = -1
    /// `index.interval.bytes`: bytes of batches between two sparse index entries.
    public var indexIntervalBytes: Int = 4096
    /// `segment.index.bytes`: the largest index file; a full index rolls the segment.
    public var segmentIndexBytes: Int = 10 * 1024 * 1024
    /// `flush.messages`: fsync in the background once this many messages are unflushed (Kafka's default: never).
    public var flushMessages: Int64 = .max
    /// `flush.ms`: fsync in the background once a message has been unflushed this long (Kafka's default: never).
    public var flushMs: Int64 = .max
    /// `max.message.bytes`: the largest record batch accepted (1 MiB plus batch overhead).
    public var maxMessageBytes: Int = 1_048_588
    /// `message.timestamp.type`: LogAppendTime makes the broker overwrite batch timestamps on append.
    public var messageTimestampType: TimestampType = .createTime
    /// `cleanup.policy`: retention only deletes segments when `delete` is in the policy. `compact` is
    /// accepted and stored so topics that ask for it can be created; compaction itself is not
    /// implemented (the `LogManager` warns when a topic asks for it).
    public var cleanupPolicy: CleanupPolicy = .delete
    /// `file.delete.delay.ms`: accepted for compatibility. We unlink deleted segments immediately:
    /// fetches in flight hold their own duplicated descriptor, which keeps the data readable on POSIX.
    public var fileDeleteDelayMs: Int64 = 60_000
    /// Kafka topic configs this log layer accepts and reports but does not act on
    /// (`compression.type`, `min.insync.replicas`, …); see `LogConfigKeys.acceptedWithoutEffect`.
    public var otherSettings: [String: String] = [:]

    public init() {}

    /// Kafka's defaults overridden by `settings`.
    public init(_ settings: [String: String]) throws(LogConfigError) {
        self = try LogConfig().applying(settings)
    }

    /// This config with `overrides` applied. A key given in several units (`retention.hours`,
    /// `retention.minutes`, `retention.ms`) resolves as Kafka does: the finest unit wins.
    public func applying(_ overrides: [String: String]) throws(LogConfigError) -> LogConfig {
        for key in overrides.keys where LogConfigKeys.byName[key] == nil {
            throw LogConfigError(key: key, value: overrides[key] ?? "", reason: "unknown topic config")
        }
        var config = self
        for key in LogConfigKeys.all {
            if let value = overrides[key.name] { try key.apply(&config, value) }
        }
        return config
    }

    /// Every topic-level setting with its value, in a stable order (for DescribeConfigs).
    public var settings: [(name: String, value: String)] {
        LogConfigKeys.all.compactMap { key in key.render.map { (key.name, $0(self)) } }
    }

    /// Whether `overrides` sets the reported key `name`, directly or through a unit alias.
    public static func overrides(_ overrides: [String: String], set name: String) -> Bool {
        overrides.keys.contains { $0 == name || LogConfigKeys.byName[$0]?.aliasOf == name }
    }

    /// The number of offset index entries a segment may hold before it must roll.
    var maxOffsetIndexEntries: Int { segmentIndexBytes / OffsetIndex.entrySize }
    var maxTimeIndexEntries: Int { segmentIndexBytes / TimeIndex.entrySize }
}

/// `message.timestamp.type`.
public enum TimestampType: String, Sendable, CaseIterable {
    case createTime = "CreateTime"
    case logAppendTime = "LogAppendTime"
}

/// `cleanup.policy`: a comma-separated subset of `delete` and `compact`.
public struct CleanupPolicy: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let delete = CleanupPolicy(rawValue: 1)
    public static let compact = CleanupPolicy(rawValue: 2)

    public init?(configValue: String) {
        var policy: CleanupPolicy = []
        for part in configValue.split(separator: ",", omittingEmptySubsequences: false) {
            switch part.trimmingSpaces {
            case "delete": policy.insert(.delete)
            case "compact": policy.insert(.compact)
            default: return nil
            }
        }
        guard !policy.isEmpty else { return nil }
        self = policy
    }

    public var description: String {
        [contains(.compact) ? "compact" : nil, contains(.delete) ? "delete" : nil].compactMap { $0 }.joined(separator: ",")
    }
}

/// A topic config that cannot be used, naming the key, the value and what is wrong.
public struct LogConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var value: String
    public var reason: String

    public init(key: String, value: String, reason: String) {
        self.key = key
        self.value = value
        self.reason = reason
    }

    public var description: String { "invalid value '\(value)' for topic config '\(key)': \(reason)" }
}

extension Substring {
    var trimmingSpaces: Substring {
        var result = self
        while result.first == " " { result.removeFirst() }
        while result.last == " " { result.removeLast() }
        return result
    }
}
