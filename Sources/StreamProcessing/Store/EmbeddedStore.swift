import Foundation
import GRDB

/// The single-machine store of `logport process`: window aggregates and alerts in one SQLite file, for the
/// console to query.
///
/// Guarantees: a window keeps only its highest revision; an alert row follows its latest state while
/// `alert_events` keeps every change; each write call is one transaction, so a crash leaves either all or
/// none of it. The file is in WAL mode, so readers in other connections or processes (the console, sqlite3)
/// never block a write, and a write waits up to `busyTimeout` for another writer to the same file.
public final class EmbeddedStore: Sendable {
    static let busyTimeout: TimeInterval = 10
    private let database: DatabaseQueue

    /// Opens (creating and migrating if needed) the store at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
        database = try DatabaseQueue(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    /// Opens an existing store without writing to it, for a reader beside the process that writes it.
    public init(readingFrom path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(Self.busyTimeout)
        database = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// A private in-memory store, for tests and dry runs.
    public init() throws {
        database = try DatabaseQueue()
        try Self.migrator.migrate(database)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE window_aggregates (
                    pipeline TEXT NOT NULL, aggregation TEXT NOT NULL, group_key TEXT NOT NULL,
                    window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
                    revision INTEGER NOT NULL, is_final INTEGER NOT NULL,
                    group_values TEXT NOT NULL, metrics TEXT NOT NULL,
                    PRIMARY KEY (pipeline, aggregation, group_key, window_start));
                CREATE INDEX window_aggregates_by_end ON window_aggregates (pipeline, aggregation, window_end);
                CREATE TABLE alerts (
                    id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL,
                    group_key TEXT NOT NULL, state TEXT NOT NULL, opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                    resolved_at INTEGER, value REAL, message TEXT NOT NULL);
                CREATE INDEX alerts_by_state ON alerts (state, opened_at);
                CREATE TABLE alert_events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL, state TEXT NOT NULL,
                    at INTEGER NOT NULL, value REAL, message TEXT NOT NULL,
                    UNIQUE (alert_id, state, at));
                CREATE TABLE checkpoints (pipeline TEXT PRIMARY KEY, snapshot BLOB NOT NULL, saved_at INTEGER NOT NULL);
                """)
        }
        // Processor checkpoints live with the consumer group's committed offsets now (`CheckpointStore`).
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "DROP TABLE checkpoints")
        }
        return migrator
    }

    // MARK: Writing

    public func write(results: [WindowResult], alerts: [AlertEvent], pipeline: String) throws {
        guard !results.isEmpty || !alerts.isEmpty else { return }
        try database.write { db in
            for result in results {
                try db.execute(sql: """
                    INSERT INTO window_aggregates
                        (pipeline, aggregation, group_key, window_start, window_end, revision, is_final, group_values, metrics)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (pipeline, aggregation, group_key, window_start) DO UPDATE SET
                        revision = excluded.revision, is_final = excluded.is_final, metrics = excluded.metrics,
                        window_end = excluded.window_end
                    WHERE excluded.revision >= window_aggregates.revision
                    """, arguments: [pipeline, result.aggregation, result.groupKey.description, result.windowStartMillis,
                                     result.windowEndMillis, result.revision, result.isFinal,
                                     try Self.json(Dictionary(uniqueKeysWithValues: zip(result.groupKey.fields, result.groupKey.values))),
                                     try Self.json(result.values)])
            }
            for alert in alerts {
                try db.execute(sql: """
                    INSERT INTO alerts (id, pipeline, rule, severity, group_key, state, opened_at, updated_at, resolved_at, value, message)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at,
                        resolved_at = excluded.resolved_at, value = excluded.value, message = excluded.message
                    WHERE excluded.updated_at >= alerts.updated_at
                    """, arguments: [alert.id, pipeline, alert.rule, alert.severity, alert.groupKey.description, alert.state.rawValue,
                                     alert.openedAtMillis, alert.atMillis, alert.state == .resolved ? alert.atMillis : nil,
                                     alert.value, alert.message])
                // Replays after a restart write the same change again: the unique key keeps one.
                try db.execute(sql: """
                    INSERT OR IGNORE INTO alert_events (alert_id, state, at, value, message) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [alert.id, alert.state.rawValue, alert.atMillis, alert.value, alert.message])
            }
        }
    }

    // MARK: Queries for the console

    public func aggregates(pipeline: String, aggregation: String, windowEndFromMillis: Int64 = .min,
                           windowEndToMillis: Int64 = .max, limit: Int = 10_000) throws -> [StoredWindowAggregate] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM window_aggregates
                WHERE pipeline = ? AND aggregation = ? AND window_end >= ? AND window_end <= ?
                ORDER BY window_start, group_key LIMIT ?
                """, arguments: [pipeline, aggregation, windowEndFromMillis, windowEndToMillis, limit])
            .map(StoredWindowAggregate.init(row:))
        }
    }

    /// The most recent `windows` window starts of one aggregation, every group of each, oldest first.
    public func recentAggregates(pipeline: String, aggregation: String, windows: Int) throws -> [StoredWindowAggregate] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM window_aggregates
                WHERE pipeline = ? AND aggregation = ? AND window_start >= coalesce((
                    SELECT DISTINCT window_start FROM window_aggregates WHERE pipeline = ? AND aggregation = ?
                    ORDER BY window_start DESC LIMIT 1 OFFSET ?), \(Int64.min))
                ORDER BY window_start, group_key
                """, arguments: [pipeline, aggregation, pipeline, aggregation, max(0, windows - 1)])
            .map(StoredWindowAggregate.init(row:))
        }
    }

    /// Every pipeline that wrote a window or an alert, by name.
    public func pipelines() throws -> [String] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT pipeline FROM window_aggregates UNION SELECT pipeline FROM alerts ORDER BY 1")
        }
    }

    /// The aggregations of `pipeline` that wrote a window, by name.
    public func aggregationNames(pipeline: String) throws -> [String] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT aggregation FROM window_aggregates WHERE pipeline = ? ORDER BY 1",
                                arguments: [pipeline])
        }
    }

    public func alerts(pipeline: String? = nil, state: AlertEvent.State? = nil, limit: Int = 1000) throws -> [StoredAlert] {
        try database.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let pipeline { conditions.append("pipeline = ?"); arguments += [pipeline] }
            if let state { conditions.append("state = ?"); arguments += [state.rawValue] }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM alerts \(filter) ORDER BY opened_at DESC, id LIMIT ?",
                                    arguments: arguments + [limit]).map(StoredAlert.init(row:))
        }
    }

    public func alertHistory(alertID: String) throws -> [(state: AlertEvent.State, atMillis: Int64, message: String)] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT state, at, message FROM alert_events WHERE alert_id = ? ORDER BY seq", arguments: [alertID])
                .map { (AlertEvent.State(rawValue: $0["state"]) ?? .firing, $0["at"], $0["message"]) }
        }
    }

    private static func json<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try JSONEncoder.sorted.encode(value), as: UTF8.self)
    }
}

/// A window aggregate as the console reads it.
public struct StoredWindowAggregate: Sendable, Equatable {
    public var aggregation: String
    public var groupKey: String
    public var groupValues: [String: String]
    public var windowStartMillis: Int64
    public var windowEndMillis: Int64
    public var revision: Int
    public var isFinal: Bool
    public var values: [String: AggregateValue]

    public init(aggregation: String, groupKey: String, groupValues: [String: String], windowStartMillis: Int64,
                windowEndMillis: Int64, revision: Int, isFinal: Bool, values: [String: AggregateValue]) {
        self.aggregation = aggregation
        self.groupKey = groupKey
        self.groupValues = groupValues
        self.windowStartMillis = windowStartMillis
        self.windowEndMillis = windowEndMillis
        self.revision = revision
        self.isFinal = isFinal
        self.values = values
    }

    init(row: Row) throws {
        aggregation = row["aggregation"]
        groupKey = row["group_key"]
        windowStartMillis = row["window_start"]
        windowEndMillis = row["window_end"]
        revision = row["revision"]
        isFinal = row["is_final"]
        let groupText: String = row["group_values"]
        let metricsText: String = row["metrics"]
        groupValues = try JSONDecoder().decode([String: String].self, from: Data(groupText.utf8))
        values = try JSONDecoder().decode([String: AggregateValue].self, from: Data(metricsText.utf8))
    }
}

/// An alert's latest state as the console reads it.
public struct StoredAlert: Sendable, Equatable {
    public var id: String
    public var pipeline: String
    public var rule: String
    public var severity: String
    public var groupKey: String
    public var state: String
    public var openedAtMillis: Int64
    public var updatedAtMillis: Int64
    public var resolvedAtMillis: Int64?
    public var value: Double?
    public var message: String

    public init(id: String, pipeline: String, rule: String, severity: String, groupKey: String, state: String,
                openedAtMillis: Int64, updatedAtMillis: Int64, resolvedAtMillis: Int64?, value: Double?, message: String) {
        self.id = id
        self.pipeline = pipeline
        self.rule = rule
        self.severity = severity
        self.groupKey = groupKey
        self.state = state
        self.openedAtMillis = openedAtMillis
        self.updatedAtMillis = updatedAtMillis
        self.resolvedAtMillis = resolvedAtMillis
        self.value = value
        self.message = message
    }

    init(row: Row) {
        id = row["id"]
        pipeline = row["pipeline"]
        rule = row["rule"]
        severity = row["severity"]
        groupKey = row["group_key"]
        state = row["state"]
        openedAtMillis = row["opened_at"]
        updatedAtMillis = row["updated_at"]
        resolvedAtMillis = row["resolved_at"]
        value = row["value"]
        message = row["message"]
    }
}
