import StreamProcessing

/// One pipeline's dashboard as the page and `/api/pipelines/{name}` show it, built from the rows of the
/// embedded store alone.
///
/// Guarantees: every value is the stored value, unrounded (pages round only their text, never
/// `data-value`); windows, series points and groups are ordered by window start, then group key, so the
/// same rows always give the same dashboard.
struct PipelineDashboard: Encodable, Sendable, Equatable {
    var pipeline: String
    var aggregations: [AggregationPanel]
    var alerts: [AlertRow]

    init(pipeline: String, aggregations: [(name: String, rows: [StoredWindowAggregate])], alerts: [StoredAlert]) {
        self.pipeline = pipeline
        self.aggregations = aggregations.map { AggregationPanel(name: $0.name, rows: $0.rows) }
        self.alerts = alerts.map(AlertRow.init)
    }
}

/// One aggregation: its stored windows, the charts of its numeric columns and the rankings of its top-N
/// columns in the newest window.
struct AggregationPanel: Encodable, Sendable, Equatable {
    var name: String
    var groupBy: [String]
    var windowMillis: Int64?
    /// Every stored window and group, oldest first.
    var windows: [WindowRow]
    var charts: [MetricChart]
    var rankings: [Ranking]

    /// How many entries a ranking keeps.
    static let rankingLength = 10

    init(name: String, rows: [StoredWindowAggregate]) {
        self.name = name
        groupBy = rows.first.map { $0.groupValues.keys.sorted() } ?? []
        windowMillis = rows.first.map { $0.windowEndMillis - $0.windowStartMillis }
        windows = rows.map(WindowRow.init)
        let numericColumns = Set(rows.flatMap { row in row.values.compactMap { if case .number = $0.value { $0.key } else { nil } } }).sorted()
        charts = groupBy.isEmpty
            ? Self.columnFamilies(numericColumns).map { family in
                MetricChart(title: family.title, series: family.columns.map { column in
                    ChartLine(name: column, points: rows.compactMap { row in row.values[column]?.number.map { ChartPoint(windowStart: row.windowStartMillis, value: $0) } })
                })
            }
            : numericColumns.map { column in
                let groups = Dictionary(grouping: rows, by: \.groupKey)
                return MetricChart(title: column, series: groups.keys.sorted().map { key in
                    ChartLine(name: key, points: (groups[key] ?? []).compactMap { row in
                        row.values[column]?.number.map { ChartPoint(windowStart: row.windowStartMillis, value: $0) }
                    })
                })
            }
        let newest = rows.filter { $0.windowStartMillis == rows.last?.windowStartMillis }
        let rankingColumns = Set(rows.flatMap { row in row.values.compactMap { if case .ranking = $0.value { $0.key } else { nil } } }).sorted()
        rankings = rankingColumns.map { column in
            var counts: [String: UInt64] = [:]
            for row in newest {
                guard case .ranking(let entries)? = row.values[column] else { continue }
                for entry in entries { counts[entry.item, default: 0] += entry.count }
            }
            let entries = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .prefix(Self.rankingLength).map { RankingEntry(item: $0.key, count: $0.value) }
            return Ranking(column: column, windowStart: newest.first?.windowStartMillis, entries: entries)
        }
    }

    /// Columns named `PREFIX_SUFFIX` that share their prefix with another column form one chart titled
    /// PREFIX (latency_p50, latency_p95, latency_p99 → latency); every other column is its own chart.
    static func columnFamilies(_ columns: [String]) -> [(title: String, columns: [String])] {
        func prefix(_ column: String) -> String? { column.lastIndex(of: "_").map { String(column[..<$0]) } }
        let sizes = Dictionary(grouping: columns.compactMap(prefix), by: { $0 }).mapValues(\.count)
        var families: [(title: String, columns: [String])] = []
        for column in columns {
            let title = prefix(column).flatMap { (sizes[$0] ?? 0) > 1 ? $0 : nil } ?? column
            if let index = families.firstIndex(where: { $0.title == title }) {
                families[index].columns.append(column)
            } else {
                families.append((title, [column]))
            }
        }
        return families
    }
}

/// One window of one group: its numeric values (nil when no event contributed) and whether it may still change.
struct WindowRow: Encodable, Sendable, Equatable {
    var windowStart: Int64
    var windowEnd: Int64
    var group: String
    var revision: Int
    var isFinal: Bool
    var values: [String: Double?]

    init(_ row: StoredWindowAggregate) {
        windowStart = row.windowStartMillis
        windowEnd = row.windowEndMillis
        group = row.groupKey
        revision = row.revision
        isFinal = row.isFinal
        values = row.values.compactMapValues { value -> Double?? in
            guard case .number(let number) = value else { return nil }
            return .some(number)
        }
    }
}

struct MetricChart: Encodable, Sendable, Equatable {
    var title: String
    var series: [ChartLine]
}

struct ChartLine: Encodable, Sendable, Equatable {
    var name: String
    var points: [ChartPoint]
}

struct ChartPoint: Encodable, Sendable, Equatable {
    var windowStart: Int64
    var value: Double
}

/// A top-N column in the newest window, counts summed over the window's groups.
struct Ranking: Encodable, Sendable, Equatable {
    var column: String
    var windowStart: Int64?
    var entries: [RankingEntry]
}

struct RankingEntry: Encodable, Sendable, Equatable {
    var item: String
    var count: UInt64
}

/// An alert as the store keeps it: when it fired, when (if) it resolved, and the value that decided.
struct AlertRow: Encodable, Sendable, Equatable {
    var id: String
    var rule: String
    var severity: String
    var group: String
    var state: String
    var firedAt: Int64
    var updatedAt: Int64
    var resolvedAt: Int64?
    var value: Double?
    var message: String

    init(_ alert: StoredAlert) {
        id = alert.id
        rule = alert.rule
        severity = alert.severity
        group = alert.groupKey
        state = alert.state
        firedAt = alert.openedAtMillis
        updatedAt = alert.updatedAtMillis
        resolvedAt = alert.resolvedAtMillis
        value = alert.value
        message = alert.message
    }
}

/// A pipeline in the list at `/pipelines`.
struct PipelineSummary: Encodable, Sendable, Equatable {
    var name: String
    var aggregations: [String]
    var latestWindowEnd: Int64?
    var firingAlerts: Int
}
