import Testing
@testable import StreamProcessing

@Suite struct PipelineConfigTests {
    static let full = """
    name: checkout
    source:
      topics: [logs.api, logs.web]
      group_id: ${GROUP:-logport-checkout}
      out_of_orderness: 5s
      idle_timeout: 30s
      live: true
    transforms:
      - parse: json
      - parse: {format: regex, field: path, pattern: "^/(?<area>[a-z]+)/"}
      - filter: {field: level, op: ne, value: debug}
      - rename: {from: svc, to: service}
      - derive: {field: seconds, from: ms, op: divide, value: 1000}
      - derive: {field: label, template: "{service}/{area}"}
      - timestamp: {field: ts, format: unix_ms}
      - dedupe: {key: [request_id], within: 5m}
      - drop: [password]
      - set: {field: env, value: prod}
    aggregations:
      - name: latency
        window: {hopping: 5m, every: 1m}
        lateness: 30s
        group_by: [service]
        columns:
          requests: count
          bytes: {sum: bytes}
          p99: {percentile: ms, q: 0.99}
          users: {distinct: user, precision: 14}
          pages: {top: path, n: 3}
    detectors:
      - name: spiky
        metric: latency.p99
        mad: {window: 50, threshold: 6, warmup: 20}
        seasonality: 1d
    alerts:
      - name: slow
        metric: latency.p99
        threshold: {op: ">", value: 500}
        cooldown: 10m
        severity: critical
      - name: silent
        metric: latency.requests
        absent: {windows: 3}
      - name: weird
        detector: spiky
        anomaly: {score: 6}
    notify:
      - webhook: {url: "${HOOK}", headers: {Authorization: "Bearer ${TOKEN}"}}
      - kafka: {topic: alerts}
      - log: {}
    sinks:
      - clickhouse: {url: "http://ch:8123", table: latency_1m, input: latency, batch_rows: 500, batch_interval: 2s}
      - sqlite: {path: /var/lib/logport/process.db}
      - file: {path: /tmp/events.jsonl, input: events}
      - kafka: {topic: aggregates, input: [latency]}
    """

    @Test func aFullPipelineLoadsWithEnvironmentInterpolation() throws {
        let definition = try PipelineConfigLoader.load(yaml: Self.full, environment: ["HOOK": "https://hooks.example/x", "TOKEN": "t0k"])
        #expect(definition.name == "checkout")
        #expect(definition.source == SourceSpec(topics: ["logs.api", "logs.web"], groupID: "logport-checkout", outOfOrdernessMillis: 5000,
                                                idleTimeoutMillis: 30_000, followsWallClockWhenIdle: true))
        #expect(definition.transforms.count == 10)
        #expect(definition.transforms[1] == .parseRegex(field: "path", pattern: "^/(?<area>[a-z]+)/"))
        #expect(definition.transforms[2] == .filter(FilterCondition(field: "level", op: .notEquals, value: .string("debug"))))
        #expect(definition.transforms[7] == .dedupe(keyFields: ["request_id"], withinMillis: 300_000))
        let latency = try #require(definition.aggregations.first)
        #expect(latency.window == (try WindowSpec.hopping(sizeMillis: 300_000, advanceMillis: 60_000)))
        #expect(latency.columns.map(\.name) == ["requests", "bytes", "p99", "users", "pages"])
        #expect(latency.columns[2].function == .percentile(field: "ms", quantile: 0.99, relativeAccuracy: 0.01))
        #expect(latency.columns[4].function == .topN(field: "path", n: 3, capacity: 100))
        #expect(definition.detectors == [DetectorSpec(name: "spiky", aggregation: "latency", column: "p99",
                                                      method: .medianAbsoluteDeviation(window: 50, threshold: 6, warmup: 20),
                                                      seasonalityPeriodMillis: 86_400_000)])
        #expect(definition.alerts.map(\.condition) == [.threshold(.greaterThan, 500), .absence(windows: 3), .anomalyScore(atLeast: 6)])
        #expect(definition.alerts[0].cooldownMillis == 600_000)
        #expect(definition.notifiers == [.webhook(url: "https://hooks.example/x", headers: ["Authorization": "Bearer t0k"]), .kafka(topic: "alerts"), .log])
        #expect(definition.sinks[0] == .clickHouse(ClickHouseSinkSpec(url: "http://ch:8123", database: "default", table: "latency_1m",
                                                                       input: .aggregations(["latency"]), batchRows: 500, batchIntervalMillis: 2000)))
        #expect(definition.sinks[3] == .kafka(topic: "aggregates", input: .aggregations(["latency"])))
        _ = try PipelineProcessor(definition: definition)
    }

    static func error(_ yaml: String, environment: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try PipelineConfigLoader.load(yaml: yaml, file: "p.yaml", environment: environment)
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    static let minimal = """
    name: p
    source: {topics: [t], group_id: g}
    aggregations:
      - name: agg
        window: {tumbling: 1m}
        columns: {n: count}

    """

    @Test func errorsNameTheFileLineAndField() {
        #expect(Self.error(Self.full)?.description
                == "p.yaml:48:20: notify[0].webhook.url: environment variable HOOK is not set (write ${HOOK:-default} for a default)")
        #expect(Self.error("name: p\nsource:\n  topics: [t]\n")?.description == "p.yaml:3:3: source: missing required key group_id")
        #expect(Self.error(Self.minimal + "detectors:\n  - name: d\n    metric: agg.nope\n    ewma: {}\n")?.description
                == "p.yaml:9:13: detectors[0].metric: aggregation agg has no column nope; columns: n")
        #expect(Self.error(Self.minimal + "alerts:\n  - name: a\n    metric: agg.n\n    anomaly: {score: 3}\n")?.description
                == "p.yaml:10:14: alerts[0].anomaly: anomaly alerts need a detector, not a metric")
        #expect(Self.error(Self.minimal.replacingOccurrences(of: "{tumbling: 1m}", with: "{tumbling: 60}"))?.description
                == "p.yaml:5:24: aggregations[0].window.tumbling: expected a duration like 500ms, 10s, 5m, 1h or 1d, found 60")
        #expect(Self.error(Self.minimal.replacingOccurrences(of: "{tumbling: 1m}", with: "{hopping: 1m, every: 2m}"))?.description
                == "p.yaml:5:13: aggregations[0].window: window advance (120000 ms) must not exceed the window size (60000 ms): events would fall between windows")
        #expect(Self.error(Self.minimal + "sinks:\n  - file: {path: /x, input: other}\n")?.description
                == "p.yaml:8:29: sinks[0].file.input: no aggregation named other; expected events, alerts or one of agg")
        #expect(Self.error(Self.minimal + "transforms:\n  - parse: {format: regex, pattern: \"(\"}\n")?.field == "transforms[0].parse.pattern")
        #expect(Self.error(Self.minimal + "colour: blue\n")?.message.hasPrefix("unknown key colour") == true)
        #expect(Self.error("name: [unclosed\n")?.message.hasPrefix("invalid YAML") == true)
    }

    @Test func anAggregationWhereClauseLimitsWhichEventsItCounts() throws {
        let yaml = Self.minimal.replacingOccurrences(of: "    columns: {n: count}", with: "    where: {field: outcome, op: eq, value: failure}\n    columns: {n: count}")
        let definition = try PipelineConfigLoader.load(yaml: yaml, file: "p.yaml")
        #expect(definition.aggregations[0].filter == FilterCondition(field: "outcome", op: .equals, value: .string("failure")))
        #expect(Self.error(yaml.replacingOccurrences(of: "op: eq, value: failure", with: "op: matches, value: fail"))?.description
                == "p.yaml:6:12: aggregations[0].where: where does not support op matches; filter with a transform instead")

        var aggregator = WindowedAggregator(spec: definition.aggregations[0])
        for (offset, outcome) in ["failure", "success", "failure"].enumerated() {
            aggregator.add(event(["outcome": .string(outcome)], at: 1000, offset: Int64(offset)), watermarkMillis: .min, maxEventTimeBefore: nil)
        }
        aggregator.add(event(["outcome": .string("success")], at: 0, offset: 3), watermarkMillis: 10_000_000, maxEventTimeBefore: 1000)
        let shares = aggregator.advance(to: 60_000, source: TopicPartition(topic: "logs", partition: 0), coveredOffset: 4)
        #expect(shares.map { $0.accumulators[0].value } == [.number(2)])
        #expect(aggregator.metrics.eventsAggregated == 2)
        #expect(aggregator.metrics.lateEventsDropped == 0)
    }
}
