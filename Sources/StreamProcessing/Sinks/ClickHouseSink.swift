/// Batched, retried, exactly-once inserts into one ClickHouse table over HTTP, from ClickHouse 18.16 on.
///
/// A batch is sent when it reaches `batchRows`, when its oldest row waited `batchIntervalMillis`, or on
/// `flush`. Failed inserts are retried with backoff (5xx, 408, 429 and transport errors); other answers
/// fail at once: they mean a wrong schema or query, which retrying cannot fix.
///
/// Exactly-once, without server-side deduplication (which 18.16 lacks): every row stores the Kafka position
/// it comes from, and rows of one partition arrive in position order:
/// - events tables store each event's topic, partition and offset;
/// - aggregate tables store the partials-topic partition and offset whose record completed the window
///   (`WindowResult.position`); the merge emits the same results at the same positions on every replay,
///   and all results of one position go into one insert.
/// At `prepare`, when partitions are assigned, and before retrying a failed insert, the sink reads the
/// highest stored position per partition and skips rows at or below it. Inserts land whole (see
/// `ClickHouseRequests`), so that is exactly what the table holds: a replay after a crash, or an insert
/// that succeeded although its answer was lost, adds nothing twice. A window's revisions are separate
/// rows; aggregate tables are ReplacingMergeTree(revision), so merges (or `FINAL`) keep the highest.
/// Offsets are committed only after `flush` returned, i.e. after the inserts succeeded (`PipelineRunner`).
public actor ClickHouseSink: Sink {
    /// A JSONEachRow line and the Kafka position it stores.
    struct Row: Sendable {
        var line: String
        var position: RecordPosition?
    }

    public nonisolated let name: String
    private let requests: ClickHouseRequests
    private let aggregation: WindowedAggregationSpec?
    private let transport: any HTTPTransport
    private let retry: RetryPolicy
    private let sleep: @Sendable (Int64) async throws -> Void
    private var batcher: RowBatcher<Row>
    /// What the table already holds.
    private var stored = StoredPositions()
    public private(set) var metrics = Metrics()

    public struct Metrics: Sendable, Equatable {
        public var rowsInserted: UInt64 = 0
        public var insertsSent: UInt64 = 0
        /// Rows skipped because the table already held them (replays after a restart or a lost answer).
        public var rowsAlreadyStored: UInt64 = 0
    }

    public init(spec: ClickHouseSinkSpec, pipeline: PipelineDefinition, transport: any HTTPTransport,
                retry: RetryPolicy = RetryPolicy(), sleep: @escaping @Sendable (Int64) async throws -> Void = taskSleep) {
        self.name = "clickhouse \(spec.database).\(spec.table)"
        self.requests = ClickHouseRequests(spec: spec, exchangeTopic: pipeline.exchangeTopic)
        if case .aggregations(let names) = spec.input {
            aggregation = pipeline.aggregations.first { names.contains($0.name) }
        } else {
            aggregation = nil
        }
        self.transport = transport
        self.retry = retry
        self.sleep = sleep
        self.batcher = RowBatcher(maxRows: spec.batchRows, maxDelayMillis: spec.batchIntervalMillis) { previous, row in
            row.position != nil && row.position == previous.position
        }
    }

    public func prepare() async throws {
        if requests.spec.createTable {
            let version = try await send(requests.serverVersion(), what: "version query")
            let dialect = try ClickHouseDialect(version: version)
            try await send(requests.createDatabase(), what: "create database")
            try await send(requests.createTable(aggregation: aggregation, dialect: dialect), what: "create table")
        }
        try await refreshStoredPositions()
    }

    /// Another consumer may have written these partitions meanwhile: learn what the table holds now.
    public func partitionsAssigned(_ partitions: [TopicPartition]) async throws {
        try await refreshStoredPositions()
    }

    public func accept(_ output: ProcessorOutput, nowMillis: Int64) async throws {
        for batch in batcher.add(rows(of: output), covering: output.consumed, nowMillis: nowMillis) {
            try await insert(batch)
        }
    }

    public func flush() async throws {
        if let batch = batcher.takeAll() { try await insert(batch) }
    }

    public func counters() async -> [String: UInt64] {
        ["rows_inserted": metrics.rowsInserted, "inserts": metrics.insertsSent, "rows_already_stored": metrics.rowsAlreadyStored]
    }

    private func rows(of output: ProcessorOutput) -> [Row] {
        var rows: [Row] = []
        func add(_ fields: @autoclosure () -> [String: FieldValue], at position: RecordPosition?) {
            if let position, stored.contains(position.topicPartition, offset: position.offset) {
                metrics.rowsAlreadyStored += 1
            } else {
                rows.append(Row(line: SinkRows.jsonLine(fields()), position: position))
            }
        }
        switch requests.spec.input {
        case .events:
            for event in output.events {
                add(SinkRows.eventRow(event), at: RecordPosition(topicPartition: event.topicPartition, offset: event.offset))
            }
        case .aggregations(let names):
            for result in output.windowResults where names.contains(result.aggregation) {
                var fields = SinkRows.windowRow(result, includeAggregationName: false)
                if let position = result.position {
                    fields[ClickHouseRequests.partialsPartitionColumn] = .number(Double(position.topicPartition.partition))
                    fields[ClickHouseRequests.partialsOffsetColumn] = .number(Double(position.offset))
                }
                add(fields, at: result.position)
            }
        case .alerts:
            break  // the loader sends alerts to the sqlite sink and notifiers, never to ClickHouse
        }
        return rows
    }

    private func insert(_ batch: RowBatcher<Row>.Batch) async throws {
        var rows = batch.rows
        var isRetry = false
        let what = "insert of \(batch.rows.count) rows covering \(batch.covered.canonicalDescription)"
        try await retry.run(isRetryable: Self.isRetryable, sleep: sleep) {
            if isRetry, rows.contains(where: { $0.position != nil }) {
                // The failed attempt may have landed (an answer lost on the way back): keep only what is missing.
                try await readStoredPositions()
                rows = unstored(rows)
            }
            isRetry = true
            guard !rows.isEmpty else { return }
            try await attempt(requests.insert(lines: rows.map(\.line)), what: what)
        }
        for row in rows {
            if let position = row.position { stored.record(position.topicPartition, offset: position.offset) }
        }
        metrics.rowsInserted += UInt64(rows.count)
        metrics.insertsSent += rows.isEmpty ? 0 : 1
    }

    private func unstored(_ rows: [Row]) -> [Row] {
        rows.filter { row in
            guard let position = row.position, stored.contains(position.topicPartition, offset: position.offset) else { return true }
            metrics.rowsAlreadyStored += 1
            return false
        }
    }

    private func refreshStoredPositions() async throws {
        try await retry.run(isRetryable: Self.isRetryable, sleep: sleep) { try await readStoredPositions() }
    }

    /// One attempt: callers decide about retrying.
    private func readStoredPositions() async throws {
        let answer = try await attempt(requests.storedPositions(), what: "stored offsets query")
        stored = try StoredPositions.parse(tabSeparated: answer, table: "\(requests.spec.database).\(requests.spec.table)")
    }

    private static func isRetryable(_ error: Error) -> Bool {
        if let error = error as? ClickHouseError { return error.isRetryable }
        return !(error is StoredPositionsError || error is ClickHouseDialectError || error is CancellationError)
    }

    /// Sends one request, retrying transient failures; returns the answer's text.
    @discardableResult
    private func send(_ request: OutgoingHTTPRequest, what: String) async throws -> String {
        try await retry.run(isRetryable: Self.isRetryable, sleep: sleep) { try await attempt(request, what: what) }
    }

    /// Sends one request once; a non-2xx answer is a `ClickHouseError`.
    @discardableResult
    private func attempt(_ request: OutgoingHTTPRequest, what: String) async throws -> String {
        let response = try await transport.send(request)
        guard (200..<300).contains(response.status) else {
            throw ClickHouseError(table: "\(requests.spec.database).\(requests.spec.table)", operation: what,
                                  status: response.status, body: response.bodyText)
        }
        return String(decoding: response.body, as: UTF8.self)
    }
}

public struct ClickHouseError: Error, Equatable, CustomStringConvertible {
    public var table: String
    public var operation: String
    public var status: Int
    public var body: String

    var isRetryable: Bool { status >= 500 || status == 408 || status == 429 }

    public var description: String { "ClickHouse \(table): \(operation) failed with HTTP \(status): \(body)" }
}
