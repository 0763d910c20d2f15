import Foundation
import Yams

/// Reads a pipeline from YAML, validates it, and resolves `${ENV}` references.
///
/// ```yaml
/// name: checkout
/// kafka: {bootstrap: "${KAFKA_BOOTSTRAP:-127.0.0.1:9092}", properties: {session.timeout.ms: 10000}}   # -b wins
/// source: {topics: [logs.api], group_id: logport-checkout, out_of_orderness: 5s, idle_timeout: 30s, live: true}
/// transforms:
///   - parse: json                       # or logfmt, or {format: regex, pattern: "(?<name>...)", field: message}
///   - timestamp: {field: ts, format: iso8601}   # unix_ms, unix_s
///   - filter: {field: level, op: ne, value: debug}  # eq ne gt gte lt lte contains matches exists missing
///   - rename: {from: svc, to: service}
///   - derive: {field: seconds, from: ms, op: divide, value: 1000}   # or {field: x, template: "{a}/{b}"}
///   - dedupe: {key: [request_id], within: 5m}
///   - drop: [password]
///   - set: {field: env, value: prod}
/// aggregations:
///   - name: latency
///     window: {tumbling: 1m}            # or {hopping: 5m, every: 1m}
///     lateness: 30s
///     group_by: [service]
///     where: {field: level, op: ne, value: debug}   # optional: only these events are aggregated
///     columns: {requests: count, bytes: {sum: bytes}, p99: {percentile: ms, q: 0.99},
///               users: {distinct: user}, pages: {top: path, n: 5}, mean: {avg: ms}}
/// detectors:
///   - {name: spiky, metric: latency.p99, ewma: {alpha: 0.1, threshold: 4, warmup: 30}, seasonality: 1d}
/// alerts:
///   - {name: slow, metric: latency.p99, threshold: {op: ">", value: 500}, cooldown: 10m, severity: critical}
///   - {name: silent, metric: latency.requests, absent: {windows: 5}}
///   - {name: weird, detector: spiky, anomaly: {score: 4}}
/// notify: [{webhook: {url: "${ALERT_HOOK}"}}, {kafka: {topic: alerts}}, {log: {}}]
/// sinks:
///   - clickhouse: {url: "http://localhost:8123", table: latency_1m, input: latency, batch_rows: 10000, batch_interval: 1s}
///   - sqlite: {path: /var/lib/logport/process.db}
///   - file: {path: /var/log/logport/events.jsonl, input: events}
///   - kafka: {topic: aggregates, input: [latency]}
/// ```
///
/// Every error is a `ConfigError` naming file, line, column and field; references between sections
/// (a detector's metric, an alert's detector, a sink's aggregation) are checked, so a pipeline that loads
/// can be built.
public enum PipelineConfigLoader {
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PipelineDefinition {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: 0, column: 0, field: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        return try load(yaml: text, file: path, environment: environment)
    }

    public static func load(yaml: String, file: String = "<pipeline>", environment: [String: String] = [:]) throws -> PipelineDefinition {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                throw ConfigError(file: file, line: 1, column: 1, field: "", message: "the file is empty")
            }
            root = composed
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw ConfigError(file: file, line: Self.line(of: error), column: 0, field: "", message: "invalid YAML: \(error)")
        }
        let top = try ConfigNode(node: root, field: "", file: file, environment: environment)
            .mapping(allowedKeys: ["name", "kafka", "source", "transforms", "aggregations", "detectors", "alerts", "notify", "sinks"])
        let aggregations = try top.optional("aggregations")?.sequence().map(ProcessingConfig.aggregation) ?? []
        try requireUniqueNames(aggregations.map(\.name), nodes: top.optional("aggregations")?.sequence() ?? [], kind: "aggregation")
        let catalog = ProcessingConfig.Catalog(aggregations: aggregations)
        let detectorNodes = try top.optional("detectors")?.sequence() ?? []
        let detectors = try detectorNodes.map { try ProcessingConfig.detector($0, catalog: catalog) }
        try requireUniqueNames(detectors.map(\.name), nodes: detectorNodes, kind: "detector")
        let alertNodes = try top.optional("alerts")?.sequence() ?? []
        let alerts = try alertNodes.map { try ProcessingConfig.alert($0, catalog: catalog, detectors: Set(detectors.map(\.name))) }
        try requireUniqueNames(alerts.map(\.name), nodes: alertNodes, kind: "alert")
        return PipelineDefinition(
            name: try top.required("name").string(),
            source: try source(top.required("source")),
            transforms: try top.optional("transforms")?.sequence().map(ProcessingConfig.transform) ?? [],
            aggregations: aggregations,
            detectors: detectors,
            alerts: alerts,
            notifiers: try top.optional("notify")?.sequence().map(notifier) ?? [],
            sinks: try top.optional("sinks")?.sequence().map { try sink($0, catalog: catalog) } ?? [],
            kafka: try top.optional("kafka").map(kafka) ?? KafkaConnectionSpec())
    }

    private static func kafka(_ node: ConfigNode) throws -> KafkaConnectionSpec {
        let map = try node.mapping(allowedKeys: ["bootstrap", "properties"])
        return KafkaConnectionSpec(bootstrapServers: try map.optional("bootstrap")?.string(),
                                   properties: try map.optional("properties")?.stringMapping() ?? [:])
    }

    private static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 0
        }
    }

    private static func requireUniqueNames(_ names: [String], nodes: [ConfigNode], kind: String) throws {
        var seen = Set<String>()
        for (name, node) in zip(names, nodes) where !seen.insert(name).inserted {
            throw node.error("duplicate \(kind) name \(name)")
        }
    }

    private static func source(_ node: ConfigNode) throws -> SourceSpec {
        let map = try node.mapping(allowedKeys: ["topics", "group_id", "out_of_orderness", "idle_timeout", "live"])
        return SourceSpec(
            topics: try map.required("topics").strings(),
            groupID: try map.required("group_id").string(),
            outOfOrdernessMillis: try map.optional("out_of_orderness")?.durationMillis() ?? 0,
            idleTimeoutMillis: try map.optional("idle_timeout")?.durationMillis(minimum: 1),
            followsWallClockWhenIdle: try map.optional("live")?.bool() ?? false)
    }

    private static func notifier(_ node: ConfigNode) throws -> NotifierSpec {
        let map = try node.mapping(allowedKeys: ["webhook", "kafka", "log"])
        let (kind, value) = try map.exactlyOne(of: ["webhook", "kafka", "log"])
        switch kind {
        case "webhook":
            let webhook = try value.mapping(allowedKeys: ["url", "headers"])
            let url = try webhook.required("url")
            let text = try url.string()
            guard let parsed = URL(string: text), ["http", "https"].contains(parsed.scheme ?? "") else {
                throw url.error("expected an http:// or https:// URL, found \(text)")
            }
            return .webhook(url: text, headers: try webhook.optional("headers")?.stringMapping() ?? [:])
        case "kafka":
            return .kafka(topic: try value.mapping(allowedKeys: ["topic"]).required("topic").string())
        default:
            return .log
        }
    }

    private static func sink(_ node: ConfigNode, catalog: ProcessingConfig.Catalog) throws -> SinkSpec {
        let map = try node.mapping(allowedKeys: ["clickhouse", "sqlite", "kafka", "file"])
        let (kind, value) = try map.exactlyOne(of: ["clickhouse", "sqlite", "kafka", "file"])
        switch kind {
        case "clickhouse":
            let ch = try value.mapping(allowedKeys: ["url", "database", "table", "user", "password", "input", "batch_rows",
                                                     "batch_interval", "create_table"])
            let input = try sinkInput(ch.required("input"), catalog: catalog)
            if case .aggregations(let names) = input, names.count != 1 {
                throw try ch.required("input").error("a ClickHouse table holds one aggregation; name exactly one")
            }
            guard input != .alerts else { throw try ch.required("input").error("alerts go to the sqlite sink or a notifier") }
            return .clickHouse(ClickHouseSinkSpec(
                url: try ch.required("url").string(), database: try ch.optional("database")?.string() ?? "default",
                table: try ch.required("table").string(), user: try ch.optional("user")?.string(),
                password: try ch.optional("password")?.string(), input: input,
                batchRows: try ch.optional("batch_rows")?.int(in: 1...1_000_000) ?? 10_000,
                batchIntervalMillis: try ch.optional("batch_interval")?.durationMillis(minimum: 1) ?? 1000,
                createTable: try ch.optional("create_table")?.bool() ?? true))
        case "sqlite":
            return .sqlite(path: try value.mapping(allowedKeys: ["path"]).required("path").string())
        default:
            let target = try value.mapping(allowedKeys: kind == "kafka" ? ["topic", "input"] : ["path", "input"])
            let input = try sinkInput(target.required("input"), catalog: catalog)
            return kind == "kafka" ? .kafka(topic: try target.required("topic").string(), input: input)
                                   : .file(path: try target.required("path").string(), input: input)
        }
    }

    /// `events`, `alerts`, or aggregation names (one or a list).
    private static func sinkInput(_ node: ConfigNode, catalog: ProcessingConfig.Catalog) throws -> SinkInput {
        let names = try node.strings()
        if names == ["events"] { return .events }
        if names == ["alerts"] { return .alerts }
        for name in names where catalog.aggregation(named: name) == nil {
            throw node.error("no aggregation named \(name); expected events, alerts or one of \(catalog.names)")
        }
        return .aggregations(names)
    }
}
