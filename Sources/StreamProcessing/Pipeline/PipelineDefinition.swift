import Foundation

/// A whole `logport process` pipeline as validated from YAML: everything needed to build the processor,
/// the sinks and the notifiers.
public struct PipelineDefinition: Hashable, Codable, Sendable {
    public var name: String
    public var source: SourceSpec
    public var transforms: [TransformSpec]
    public var aggregations: [WindowedAggregationSpec]
    public var detectors: [DetectorSpec]
    public var alerts: [AlertRuleSpec]
    public var notifiers: [NotifierSpec]
    public var sinks: [SinkSpec]
    /// Where the topics live; not part of the state, so moving a cluster keeps the checkpoint.
    public var kafka: KafkaConnectionSpec

    public init(name: String, source: SourceSpec, transforms: [TransformSpec] = [], aggregations: [WindowedAggregationSpec] = [],
                detectors: [DetectorSpec] = [], alerts: [AlertRuleSpec] = [], notifiers: [NotifierSpec] = [], sinks: [SinkSpec] = [],
                kafka: KafkaConnectionSpec = KafkaConnectionSpec()) {
        self.name = name
        self.kafka = kafka
        self.source = source
        self.transforms = transforms
        self.aggregations = aggregations
        self.detectors = detectors
        self.alerts = alerts
        self.notifiers = notifiers
        self.sinks = sinks
    }

    /// Identifies the parts whose state a merge checkpoint holds (detectors, alert rules, and the
    /// aggregations they read): a checkpoint only restores into the same ones.
    var mergeFingerprint: String {
        struct StatefulParts: Encodable {
            var aggregations: [WindowedAggregationSpec]
            var detectors: [DetectorSpec]
            var alerts: [AlertRuleSpec]
        }
        let parts = StatefulParts(aggregations: aggregations, detectors: detectors, alerts: alerts)
        let bytes = (try? JSONEncoder.sorted.encode(parts)) ?? Data()
        return String(StableHash.hash64(String(decoding: bytes, as: UTF8.self)), radix: 16)
    }

    /// The partials topic and the merge stage's group of this pipeline's consumer group.
    public var exchangeTopic: String { Exchange.topic(forGroup: source.groupID) }
    public var mergeGroupID: String { Exchange.mergeGroup(forGroup: source.groupID) }

    /// Whether the pipeline aggregates at all: a pipeline of events only needs no merge stage.
    public var hasMergeStage: Bool { !aggregations.isEmpty }
}

/// Which topics a pipeline consumes as which group, and how event time progresses.
public struct SourceSpec: Hashable, Codable, Sendable {
    public var topics: [String]
    public var groupID: String
    public var outOfOrdernessMillis: Int64
    /// nil: a silent partition holds the watermark back forever.
    public var idleTimeoutMillis: Int64?
    /// Live streams: with every partition idle, event time follows the wall clock (see `WatermarkTracker`).
    public var followsWallClockWhenIdle: Bool

    public init(topics: [String], groupID: String, outOfOrdernessMillis: Int64 = 0, idleTimeoutMillis: Int64? = nil,
                followsWallClockWhenIdle: Bool = false) {
        self.topics = topics
        self.groupID = groupID
        self.outOfOrdernessMillis = outOfOrdernessMillis
        self.idleTimeoutMillis = idleTimeoutMillis
        self.followsWallClockWhenIdle = followsWallClockWhenIdle
    }
}

/// The `kafka:` section: bootstrap servers (the command line's `-b` wins) and librdkafka properties for
/// the pipeline's consumer and producer.
public struct KafkaConnectionSpec: Hashable, Codable, Sendable {
    public var bootstrapServers: String?
    public var properties: [String: String]

    public init(bootstrapServers: String? = nil, properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.properties = properties
    }
}

public enum NotifierSpec: Hashable, Codable, Sendable {
    case webhook(url: String, headers: [String: String])
    case kafka(topic: String)
    case log
}

/// What a sink receives: the transformed events, or the results of some (or all) aggregations, or alerts.
public enum SinkInput: Hashable, Codable, Sendable {
    case events
    case aggregations([String])
    case alerts
}

public enum SinkSpec: Hashable, Codable, Sendable {
    case clickHouse(ClickHouseSinkSpec)
    case sqlite(path: String)
    case kafka(topic: String, input: SinkInput)
    case file(path: String, input: SinkInput)

    /// The embedded store takes aggregations and alerts; it is not fed raw events.
    public var input: SinkInput? {
        switch self {
        case .clickHouse(let spec): return spec.input
        case .sqlite: return nil
        case .kafka(_, let input), .file(_, let input): return input
        }
    }
}

public struct ClickHouseSinkSpec: Hashable, Codable, Sendable {
    public var url: String
    public var database: String
    public var table: String
    public var user: String?
    public var password: String?
    public var input: SinkInput
    public var batchRows: Int
    public var batchIntervalMillis: Int64
    public var createTable: Bool

    public init(url: String, database: String, table: String, user: String? = nil, password: String? = nil, input: SinkInput,
                batchRows: Int = 10_000, batchIntervalMillis: Int64 = 1000, createTable: Bool = true) {
        self.url = url
        self.database = database
        self.table = table
        self.user = user
        self.password = password
        self.input = input
        self.batchRows = max(1, batchRows)
        self.batchIntervalMillis = max(1, batchIntervalMillis)
        self.createTable = createTable
    }
}
