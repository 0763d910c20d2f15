@testable import Console
import Foundation
@testable import StreamProcessing
import Testing

@Suite("Pipeline dashboards: embedded-store rows to charts, rankings, windows and alerts")
struct PipelineDashboardTests {
    private static func row(_ aggregation: String, start: Int64, group: [String: String] = [:], final: Bool = true,
                            _ values: [String: AggregateValue]) -> StoredWindowAggregate {
        StoredWindowAggregate(
            aggregation: aggregation, groupKey: group.isEmpty ? "*" : group.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
            groupValues: group, windowStartMillis: start, windowEndMillis: start + 60_000, revision: final ? 1 : 0, isFinal: final,
            values: values)
    }

    private static func ranking(_ counts: [(String, UInt64)]) -> AggregateValue {
        .ranking(counts.map { SpaceSaving.Entry(item: $0.0, count: $0.1, maxOverestimate: 0) })
    }

    @Test("an ungrouped aggregation charts each column by window start; a column family shares one chart")
    func ungroupedCharts() {
        let rows = [
            Self.row("traffic", start: 60_000, ["page_views": .number(120), "latency_p50": .number(40.5), "latency_p99": .number(310),
                                               "unique_visitors": .number(33), "top_pages": Self.ranking([("/", 50), ("/cart", 7)])]),
            Self.row("traffic", start: 120_000, final: false,
                     ["page_views": .number(80), "latency_p50": .number(38), "latency_p99": .number(nil), "unique_visitors": .number(21),
                      "top_pages": Self.ranking([("/cart", 9), ("/", 4), ("/search", 9)])]),
        ]
        let panel = AggregationPanel(name: "traffic", rows: rows)
        #expect(panel.groupBy.isEmpty)
        #expect(panel.windowMillis == 60_000)
        #expect(panel.charts == [
            MetricChart(title: "latency", series: [
                ChartLine(name: "latency_p50", points: [ChartPoint(windowStart: 60_000, value: 40.5), ChartPoint(windowStart: 120_000, value: 38)]),
                ChartLine(name: "latency_p99", points: [ChartPoint(windowStart: 60_000, value: 310)]),
            ]),
            MetricChart(title: "page_views", series: [
                ChartLine(name: "page_views", points: [ChartPoint(windowStart: 60_000, value: 120), ChartPoint(windowStart: 120_000, value: 80)]),
            ]),
            MetricChart(title: "unique_visitors", series: [
                ChartLine(name: "unique_visitors", points: [ChartPoint(windowStart: 60_000, value: 33), ChartPoint(windowStart: 120_000, value: 21)]),
            ]),
        ])
        // The newest window's ranking; equal counts by item.
        #expect(panel.rankings == [Ranking(column: "top_pages", windowStart: 120_000, entries: [
            RankingEntry(item: "/cart", count: 9), RankingEntry(item: "/search", count: 9), RankingEntry(item: "/", count: 4),
        ])])
        let noValue: Double? = nil
        let expectedValues: [[String: Double?]] = [
            ["page_views": 120, "latency_p50": 40.5, "latency_p99": 310, "unique_visitors": 33],
            ["page_views": 80, "latency_p50": 38, "latency_p99": noValue, "unique_visitors": 21],
        ]
        #expect(panel.windows.map(\.values) == expectedValues)
        #expect(panel.windows.map(\.isFinal) == [true, false])
    }

    @Test("a grouped aggregation charts one line per group; rankings sum the newest window's groups")
    func groupedCharts() {
        let rows = [
            Self.row("status_codes", start: 0, group: ["status": "200"], ["requests": .number(90), "paths": Self.ranking([("/", 5)])]),
            Self.row("status_codes", start: 0, group: ["status": "500"], ["requests": .number(3), "paths": Self.ranking([("/", 1)])]),
            Self.row("status_codes", start: 60_000, group: ["status": "200"], ["requests": .number(70), "paths": Self.ranking([("/", 2), ("/a", 1)])]),
            Self.row("status_codes", start: 60_000, group: ["status": "503"], ["requests": .number(12), "paths": Self.ranking([("/a", 4)])]),
        ]
        let panel = AggregationPanel(name: "status_codes", rows: rows)
        #expect(panel.groupBy == ["status"])
        #expect(panel.charts == [MetricChart(title: "requests", series: [
            ChartLine(name: "status=200", points: [ChartPoint(windowStart: 0, value: 90), ChartPoint(windowStart: 60_000, value: 70)]),
            ChartLine(name: "status=500", points: [ChartPoint(windowStart: 0, value: 3)]),
            ChartLine(name: "status=503", points: [ChartPoint(windowStart: 60_000, value: 12)]),
        ])])
        #expect(panel.rankings == [Ranking(column: "paths", windowStart: 60_000, entries: [
            RankingEntry(item: "/a", count: 5), RankingEntry(item: "/", count: 2),
        ])])
    }

    @Test("column families need a shared prefix of at least two columns")
    func families() {
        let families = AggregationPanel.columnFamilies(["bytes_sent", "errors", "latency_p50", "latency_p95", "latency_p99", "page_views"])
        #expect(families.map(\.title) == ["bytes_sent", "errors", "latency", "page_views"])
        #expect(families[2].columns == ["latency_p50", "latency_p95", "latency_p99"])
    }

    @Test("the reader builds dashboards from a store file: newest windows only, alerts with fire and resolve times")
    func readerOverStoreFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.db").path
        let store = try EmbeddedStore(path: path)
        let results = (0..<3).map { (index: Int64) -> WindowResult in
            let values: [String: AggregateValue] = ["page_views": .number(Double(100 + index))]
            return WindowResult(aggregation: "traffic", groupKey: GroupKey(fields: [], values: []), windowStartMillis: index * 5000,
                                windowEndMillis: (index + 1) * 5000, revision: 0, isFinal: true, values: values)
        }
        let fired = AlertEvent(id: "slow:*:5000", rule: "slow", severity: "critical", groupKey: GroupKey(fields: [], values: []),
                               state: .firing, atMillis: 5000, openedAtMillis: 5000, value: 2500, message: "p99 2500 > 2000")
        var resolved = fired
        resolved.state = .resolved
        resolved.atMillis = 15_000
        resolved.value = 300
        try store.write(results: results, alerts: [fired, resolved], pipeline: "web")

        let reader = PipelineReader(storePath: path, windowsShown: 2)
        #expect(try await reader.summaries() == [PipelineSummary(name: "web", aggregations: ["traffic"], latestWindowEnd: 15_000, firingAlerts: 0)])
        let dashboard = try await reader.dashboard("web")
        #expect(dashboard.aggregations.map(\.name) == ["traffic"])
        #expect(dashboard.aggregations[0].windows.map(\.windowStart) == [5000, 10_000])
        #expect(dashboard.aggregations[0].charts[0].series[0].points == [ChartPoint(windowStart: 5000, value: 101), ChartPoint(windowStart: 10_000, value: 102)])
        #expect(dashboard.alerts.count == 1)
        #expect(dashboard.alerts[0].firedAt == 5000 && dashboard.alerts[0].resolvedAt == 15_000 && dashboard.alerts[0].value == 300)

        let html = PipelineDashboardPage(dashboard: dashboard).render()
        #expect(html.contains(#"data-aggregation="traffic" data-window="10000" data-group="*" data-column="page_views" data-value="102.0">102</span>"#))
        await #expect(throws: ConsoleError.self) { try await reader.dashboard("missing") }
        await #expect(throws: ConsoleError.self) { try await PipelineReader(storePath: nil, windowsShown: 2).summaries() }
    }
}
