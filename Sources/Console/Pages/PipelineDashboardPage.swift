import Foundation
import LagHealth

/// `/pipelines/{name}`: alerts, then per aggregation a chart per numeric column (one line per group, or
/// per column of a family like latency_p50/p95/p99), the newest window's rankings and the recent windows
/// with their exact values.
struct PipelineDashboardPage {
    var dashboard: PipelineDashboard
    /// The windows table lists the newest windows, newest first, at most this many windows and rows.
    static let windowsListed = 10
    static let rowsListed = 40

    func render() -> String {
        let firing = dashboard.alerts.filter { $0.state == "firing" }.count
        var kpis: [(label: String, value: String, sub: String?)] = [
            ("Aggregations", String(dashboard.aggregations.count), nil),
            ("Alerts firing", String(firing), "\(dashboard.alerts.count) in total"),
        ]
        for panel in dashboard.aggregations where panel.groupBy.isEmpty {
            guard let newest = panel.windows.last else { continue }
            for (column, value) in newest.values.sorted(by: { $0.key < $1.key }) {
                kpis.append(("\(panel.name).\(column)", value.map(Self.text) ?? "–", "window \(NumberText.timestamp(milliseconds: newest.windowStart))"))
            }
        }
        return Components.kpis(kpis) + alerts() + dashboard.aggregations.map(panel).joined()
    }

    private func alerts() -> String {
        let table = Components.table(
            id: "alerts",
            [.init(title: "Rule"), .init(title: "Severity"), .init(title: "Group"), .init(title: "State"), .init(title: "Fired"),
             .init(title: "Resolved"), .init(title: "Value", numeric: true), .init(title: "Message")],
            rows: dashboard.alerts.map { alert in
                [
                    HTMLText.escape(alert.rule), HTMLText.escape(alert.severity), HTMLText.escape(alert.group),
                    #"<span class="badge \#(alert.state == "firing" ? "b-err" : "b-ok")">\#(HTMLText.escape(alert.state))</span>"#,
                    NumberText.timestamp(milliseconds: alert.firedAt),
                    alert.resolvedAt.map { NumberText.timestamp(milliseconds: $0) } ?? #"<span class="muted">–</span>"#,
                    alert.value.map(Self.valueCell) ?? #"<span class="muted">–</span>"#, HTMLText.escape(alert.message),
                ]
            },
            empty: "No anomaly or alert has fired.")
        return Components.card("Anomalies and alerts", hint: "threshold and detector alerts, newest first", bodyHTML: table)
    }

    private func panel(_ panel: AggregationPanel) -> String {
        let window = panel.windowMillis.map { DurationText.format(milliseconds: $0) } ?? "window"
        let charts = panel.charts.map { chart in
            let lines = chart.series.map { line in ChartSeries(name: line.name, points: line.points.map { ($0.windowStart, $0.value) }) }
            let legend = chart.series.count > 1
                ? #"<div class="legend">"# + chart.series.enumerated().map { #"<span><svg width="10" height="10" aria-hidden="true"><rect class="s\#($0.offset % 6)" width="10" height="10" rx="2"/></svg>\#(HTMLText.escape($0.element.name))</span>"# }.joined() + "</div>"
                : ""
            return Components.card("\(panel.name) · \(chart.title)", hint: "per \(window) window",
                                   bodyHTML: LineChart(series: lines, unit: "per \(window)").svg() + legend, padded: true)
        }.joined()
        let rankings = panel.rankings.map { ranking in
            Components.card("\(panel.name) · \(ranking.column)",
                            hint: ranking.windowStart.map { "window \(NumberText.timestamp(milliseconds: $0))" },
                            bodyHTML: Components.table([.init(title: "Item"), .init(title: "Count", numeric: true)],
                                                       rows: ranking.entries.map { [HTMLText.escape($0.item), Components.number(Int64(clamping: $0.count))] },
                                                       empty: "Nothing ranked in this window."))
        }.joined()
        return #"<h2 class="section" id="agg-\#(HTMLText.escape(panel.name))">\#(HTMLText.escape(panel.name))</h2>"# + charts + rankings + windows(panel)
    }

    private func windows(_ panel: AggregationPanel) -> String {
        let columns = Set(panel.windows.flatMap(\.values.keys)).sorted()
        let starts = Array(Set(panel.windows.map(\.windowStart)).sorted().suffix(Self.windowsListed))
        let rows = panel.windows.filter { starts.contains($0.windowStart) }
            .sorted { $0.windowStart != $1.windowStart ? $0.windowStart > $1.windowStart : $0.group < $1.group }.prefix(Self.rowsListed)
        let table = Components.table(
            [.init(title: "Window start"), .init(title: "Group"), .init(title: "State")] + columns.map { .init(title: $0, numeric: true) },
            rows: rows.map { row in
                [NumberText.timestamp(milliseconds: row.windowStart), HTMLText.escape(row.group), row.isFinal ? "final" : "revision \(row.revision)"]
                    + columns.map { column in
                        guard let value = row.values[column] ?? nil else { return #"<span class="muted">–</span>"# }
                        return #"<span data-aggregation="\#(HTMLText.escape(panel.name))" data-window="\#(row.windowStart)" data-group="\#(HTMLText.escape(row.group))" data-column="\#(HTMLText.escape(column))" data-value="\#(value)">\#(Self.text(value))</span>"#
                    }
            },
            empty: "No window yet.")
        return Components.card("\(panel.name) · recent windows", hint: "exact stored values, newest first", bodyHTML: table)
    }

    private static func valueCell(_ value: Double) -> String {
        #"<span data-value="\#(value)">\#(text(value))</span>"#
    }

    /// Whole numbers with grouped digits, others with up to three decimals.
    static func text(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return NumberText.grouped(Int64(value)) }
        return String(format: "%.3f", value).replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
    }
}
