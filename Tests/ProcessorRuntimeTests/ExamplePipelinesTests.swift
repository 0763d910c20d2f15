import Foundation
import Testing
import StreamProcessing

/// The example pipelines load with nothing but their defaults, and with the variables the integration
/// tests and operators set.
@Suite struct ExamplePipelinesTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../examples/pipelines").standardized

    static func load(_ name: String, _ environment: [String: String] = [:]) throws -> PipelineDefinition {
        try PipelineConfigLoader.load(path: directory.appendingPathComponent(name).path, environment: environment)
    }

    @Test func webAnalyticsCountsViewsVisitorsPagesStatusesAndLatency() throws {
        let web = try Self.load("web-analytics.yaml")
        #expect(web.source.topics == ["web.access"])
        #expect(web.kafka.bootstrapServers == "127.0.0.1:9092")
        #expect(web.aggregations.map(\.name) == ["traffic", "status_codes", "server_errors"])
        #expect(web.aggregations[0].columns.map(\.name)
                == ["page_views", "unique_visitors", "sessions", "top_pages", "latency_p50", "latency_p95", "latency_p99", "bytes_sent"])
        let tables = web.sinks.compactMap { if case .clickHouse(let spec) = $0 { return spec.table } else { return nil } }
        #expect(tables == ["web_traffic_1m", "web_status_1m", "web_errors_1m"])
    }

    @Test func serverMonitoringDetectsAndAlertsToAWebhookAndATopic() throws {
        let monitoring = try Self.load("server-monitoring.yaml", ["ALERT_WEBHOOK_URL": "https://hooks.example.com/x", "LIVE": "false"])
        #expect(!monitoring.source.followsWallClockWhenIdle)
        #expect(monitoring.detectors.map(\.name) == ["latency_shift", "error_spike"])
        #expect(monitoring.notifiers.contains(.webhook(url: "https://hooks.example.com/x", headers: [:])))
        #expect(monitoring.notifiers.contains(.kafka(topic: "alerts")))
    }

    @Test func securityAuditKeepsEveryRawEventAndCorrelatesLogins() throws {
        let security = try Self.load("security-audit.yaml", ["CLICKHOUSE_URL": "http://ch:8123", "CLICKHOUSE_BATCH_ROWS": "500"])
        guard case .clickHouse(let events) = security.sinks.first else { Issue.record("the first sink is not ClickHouse"); return }
        #expect(events.input == .events)
        #expect(events.url == "http://ch:8123")
        #expect(events.batchRows == 500)
        #expect(security.aggregations.map(\.filter?.field) == ["outcome", "outcome", "outcome"])
        #expect(security.alerts.map(\.name) == ["brute_force_user", "brute_force_ip", "impossible_travel"])
    }
}
