import Foundation
import GroupCoordination
import LogStorage
import Yams

/// The broker's settings, named as Apache Kafka names them so an operator's knowledge carries over.
/// Every field's default is Kafka's unless the comment says why it differs.
public struct BrokerConfig: Sendable, Equatable {
    /// `node.id`: this broker's id in metadata responses.
    public var nodeID: Int32 = 1
    /// `listeners`: where the Kafka protocol is served (host:port).
    public var listenHost = "127.0.0.1"
    public var listenPort = 9092
    /// `advertised.listeners`: what clients are told to connect to; defaults to the listener.
    public var advertisedHost: String?
    public var advertisedPort: Int?
    /// `log.dirs`: where partition logs live.
    public var dataDirectory = "./data"
    /// `cluster.id`: generated once and persisted in the data directory when not given.
    public var clusterID: String?

    /// `auto.create.topics.enable`
    public var autoCreateTopics = true
    /// `num.partitions`: partitions of an auto-created topic.
    public var defaultPartitions: Int32 = 1
    /// `message.max.bytes`: the largest record batch a producer may send.
    public var messageMaxBytes = 1_048_588
    /// `socket.request.max.bytes`: larger frames close the connection before any byte is buffered.
    public var socketRequestMaxBytes = 104_857_600
    /// `queued.max.request.bytes`: all connections together buffer at most this many request bytes;
    /// readers pause past it. Kafka's default is unbounded (-1); ours bounds memory.
    public var queuedMaxRequestBytes = 512 * 1024 * 1024
    /// `max.inflight.requests.per.connection` (ours): requests read ahead of their responses.
    public var maxInflightRequestsPerConnection = 64
    /// `delete.topic.enable`
    public var deleteTopicEnable = true

    /// `log.segment.bytes`, `log.roll.ms`, `log.retention.ms`, `log.retention.bytes`,
    /// `log.flush.interval.messages`, `log.flush.interval.ms`, `log.index.interval.bytes`:
    /// topic defaults; a topic's own config (segment.bytes, retention.ms, …) overrides them.
    public var topicDefaults: [String: String] = [:]
    /// `log.retention.check.interval.ms`
    public var retentionCheckIntervalMs: Int64 = 300_000
    /// `acks.all.fsync` (ours): whether an acks=all produce waits until its records are fsynced.
    /// Kafka relies on replication instead and never fsyncs on the produce path; a single node has
    /// no replicas, so by default we fsync (with group commit: one fsync serves every waiting producer).
    public var acksAllFsync = true
    /// `log.flush.group.commit.interval.us` (ours): while fsync requests keep arriving during
    /// rounds, rounds start at most once per this many microseconds and the requests in between
    /// share the next one. Bounds the fsync rate (and its CPU) under many small acks=all requests,
    /// for at most this much more ack latency; a lone request is synced at once. 0: a round starts
    /// as soon as the previous one ends.
    public var logFlushGroupCommitIntervalUs = LogManager.Options.defaultGroupCommitIntervalMicroseconds
    /// `log.writer.threads` (ours): threads that append produced records, each partition always on
    /// the same one (in order, fsynced in group commits). Default: one per core, at most 8.
    public var logWriterThreads = min(8, max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// `group.initial.rebalance.delay.ms`, `group.min.session.timeout.ms`, `group.max.session.timeout.ms`,
    /// `group.max.size`, `offsets.retention.minutes`, `offsets.retention.check.interval.ms`,
    /// `offsets.topic.num.partitions`, `offset.metadata.max.bytes`: the consumer-group coordinator's settings.
    public var groupCoordinator = GroupCoordinatorConfig()

    /// `metrics.listen` (ours): where `GET /metrics` and `GET /health` are served over HTTP; nil
    /// (the default): not served.
    public var metricsListen: HostPort?

    public init() {}

    /// Broker keys that map onto topic-level defaults (broker name → topic name).
    static let topicDefaultKeys: [String: String] = [
        "log.segment.bytes": "segment.bytes",
        "log.roll.ms": "segment.ms",
        "log.roll.hours": "segment.hours",
        "log.retention.ms": "retention.ms",
        "log.retention.minutes": "retention.minutes",
        "log.retention.hours": "retention.hours",
        "log.retention.bytes": "retention.bytes",
        "log.flush.interval.messages": "flush.messages",
        "log.flush.interval.ms": "flush.ms",
        "log.index.interval.bytes": "index.interval.bytes",
        "log.cleanup.policy": "cleanup.policy",
        "log.message.timestamp.type": "message.timestamp.type",
        "message.max.bytes": "max.message.bytes",
    ]

    public var advertisedEndpoint: (host: String, port: Int) {
        (advertisedHost ?? listenHost, advertisedPort ?? listenPort)
    }
}

/// A `HOST:PORT` address to listen on.
public struct HostPort: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// A config file or flag that cannot be used, naming the key and what is wrong with it.
public struct BrokerConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension BrokerConfig {
    /// Loads a YAML file of `key: value` pairs using Kafka's broker property names (flat keys
    /// such as `log.retention.ms: 604800000`; nested maps are joined with dots).
    public static func load(yamlFile path: String, base: BrokerConfig = BrokerConfig()) throws -> BrokerConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BrokerConfigError("cannot read config file \(path): \(error.localizedDescription)")
        }
        return try parse(yaml: text, source: path, base: base)
    }

    public static func parse(yaml text: String, source: String = "config", base: BrokerConfig = BrokerConfig()) throws -> BrokerConfig {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw BrokerConfigError("\(source): not valid YAML: \(error)")
        }
        var flat: [(key: String, value: String, line: Int)] = []
        if let node {
            guard case .mapping = node else {
                throw BrokerConfigError("\(source): expected a mapping of Kafka property names to values")
            }
            try flatten(node, prefix: "", into: &flat, source: source)
        }
        var config = base
        for entry in flat {
            do {
                try config.set(entry.key, entry.value)
            } catch let error as BrokerConfigError {
                throw BrokerConfigError("\(source):\(entry.line): \(error.description)")
            }
        }
        try config.validateGroupSessionTimeouts(source: source)
        return config
    }

    /// A min above the max would make every JoinGroup fail with INVALID_SESSION_TIMEOUT.
    private func validateGroupSessionTimeouts(source: String) throws {
        let (min, max) = (groupCoordinator.minSessionTimeoutMs, groupCoordinator.maxSessionTimeoutMs)
        guard min <= max else {
            throw BrokerConfigError(
                "\(source): group.min.session.timeout.ms (\(min)) is above group.max.session.timeout.ms (\(max))")
        }
    }

    private static func flatten(_ node: Node, prefix: String, into out: inout [(key: String, value: String, line: Int)], source: String) throws {
        switch node {
        case .mapping(let mapping):
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.string else {
                    throw BrokerConfigError("\(source):\(keyNode.mark?.line ?? 0): keys must be strings")
                }
                try flatten(valueNode, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &out, source: source)
            }
        case .scalar(let scalar):
            out.append((prefix, scalar.string, (node.mark?.line ?? 0)))
        case .sequence(let sequence):
            out.append((prefix, sequence.compactMap(\.string).joined(separator: ","), (node.mark?.line ?? 0)))
        case .alias:
            throw BrokerConfigError("\(source): YAML aliases are not supported (key \(prefix))")
        }
    }

    /// Applies one Kafka-named property; unknown keys are rejected so a typo is not silently ignored.
    public mutating func set(_ key: String, _ value: String) throws {
        func int(_ range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
            guard let parsed = Int(value.trimmingCharacters(in: .whitespaces)), range.contains(parsed) else {
                throw BrokerConfigError("\(key) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(value)'")
            }
            return parsed
        }
        func bool() throws -> Bool {
            switch value.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: throw BrokerConfigError("\(key) must be true or false, got '\(value)'")
            }
        }
        switch key {
        case "node.id", "broker.id": nodeID = Int32(try int(0...Int(Int32.max)))
        case "listeners":
            (listenHost, listenPort) = try Self.parseEndpoint(value, key: key)
        case "advertised.listeners":
            let (host, port) = try Self.parseEndpoint(value, key: key)
            advertisedHost = host
            advertisedPort = port
        case "log.dirs", "log.dir": dataDirectory = value
        case "cluster.id": clusterID = value
        case "auto.create.topics.enable": autoCreateTopics = try bool()
        case "num.partitions": defaultPartitions = Int32(try int(1...100_000))
        case "socket.request.max.bytes": socketRequestMaxBytes = try int(1024...Int(Int32.max))
        case "queued.max.request.bytes": queuedMaxRequestBytes = try int(1024 * 1024...Int.max)
        case "max.inflight.requests.per.connection": maxInflightRequestsPerConnection = try int(1...10_000)
        case "delete.topic.enable": deleteTopicEnable = try bool()
        case "log.retention.check.interval.ms": retentionCheckIntervalMs = Int64(try int(100...Int.max))
        case "acks.all.fsync": acksAllFsync = try bool()
        case "log.writer.threads": logWriterThreads = try int(1...256)
        case "log.flush.group.commit.interval.us": logFlushGroupCommitIntervalUs = Int64(try int(0...100_000))
        case "metrics.listen":
            let (host, port) = try Self.parseEndpoint(value, key: key)
            metricsListen = HostPort(host: host, port: port)
        case "group.initial.rebalance.delay.ms": groupCoordinator.initialRebalanceDelayMs = Int64(try int(0...Int(Int32.max)))
        case "group.min.session.timeout.ms": groupCoordinator.minSessionTimeoutMs = Int32(try int(1...Int(Int32.max)))
        case "group.max.session.timeout.ms": groupCoordinator.maxSessionTimeoutMs = Int32(try int(1...Int(Int32.max)))
        case "group.max.size": groupCoordinator.maxGroupSize = try int(1...Int(Int32.max))
        case "offsets.retention.minutes": groupCoordinator.offsetsRetentionMs = Int64(try int(1...Int(Int32.max))) * 60_000
        case "offsets.retention.check.interval.ms": groupCoordinator.offsetsRetentionCheckIntervalMs = Int64(try int(1...Int.max))
        case "offsets.topic.num.partitions": groupCoordinator.offsetsTopicPartitions = Int32(try int(1...100_000))
        case "offset.metadata.max.bytes": groupCoordinator.offsetMetadataMaxBytes = try int(0...Int(Int32.max))
        case "message.max.bytes":
            messageMaxBytes = try int(1024...Int(Int32.max))
            topicDefaults["max.message.bytes"] = String(messageMaxBytes)
        default:
            guard let topicKey = Self.topicDefaultKeys[key] else {
                throw BrokerConfigError("unknown broker setting '\(key)'; see README.md for the supported keys")
            }
            topicDefaults[topicKey] = value
        }
    }

    /// A `HOST:PORT` flag of any role, with errors that name the flag.
    public static func parseAddress(_ text: String, key: String) throws -> (host: String, port: Int) {
        try parseEndpoint(text, key: key)
    }

    /// `host:port`, optionally prefixed by a listener name (`PLAINTEXT://host:port`).
    static func parseEndpoint(_ text: String, key: String) throws -> (String, Int) {
        var rest = Substring(text.split(separator: ",").first ?? "")
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (0...65535).contains(port) else {
            throw BrokerConfigError("\(key) must look like HOST:PORT, got '\(text)'")
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
