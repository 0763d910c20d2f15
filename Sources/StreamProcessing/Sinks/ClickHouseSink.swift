/// Batched, idempotent, retried inserts into one ClickHouse table over HTTP.
///
/// A batch is sent when it reaches `batchRows`, when its oldest row waited `batchIntervalMillis`, or on
/// `flush`. Failed inserts are retried with backoff (5xx, 408, 429 and transport errors); other answers
/// fail at once: they mean a wrong schema or query, which retrying cannot fix.
public actor ClickHouseSink: Sink {
    public nonisolated let name: String
    private let requests: ClickHouseRequests
    private let aggregation: WindowedAggregationSpec?
    private let transport: any HTTPTransport
    private let retry: RetryPolicy
    private let sleep: @Sendable (Int64) async throws -> Void
    private var batcher: RowBatcher

    public init(spec: ClickHouseSinkSpec, pipeline: PipelineDefinition, transport: any HTTPTransport,
                retry: RetryPolicy = RetryPolicy(), sleep: @escaping @Sendable (Int64) async throws -> Void = taskSleep) {
        self.name = "clickhouse \(spec.database).\(spec.table)"
        self.requests = ClickHouseRequests(spec: spec, pipeline: pipeline.name)
        if case .aggregations(let names) = spec.input {
            aggregation = pipeline.aggregations.first { names.contains($0.name) }
        } else {
            aggregation = nil
        }
        self.transport = transport
        self.retry = retry
        self.sleep = sleep
        self.batcher = RowBatcher(maxRows: spec.batchRows, maxDelayMillis: spec.batchIntervalMillis)
    }

    public func prepare() async throws {
        guard requests.spec.createTable else { return }
        try await send(requests.createTable(aggregation: aggregation), what: "create table")
    }

    public func accept(_ output: ProcessorOutput, nowMillis: Int64) async throws {
        let lines = SinkRows.rows(for: requests.spec.input, from: output, includeAggregationName: false).map { SinkRows.jsonLine($0.fields) }
        for batch in batcher.add(lines, covering: output.consumed, nowMillis: nowMillis) {
            try await insert(batch)
        }
    }

    public func flush() async throws {
        if let batch = batcher.takeAll() { try await insert(batch) }
    }

    private func insert(_ batch: RowBatcher.Batch) async throws {
        try await send(requests.insert(lines: batch.lines, covering: batch.covered),
                       what: "insert of \(batch.lines.count) rows covering \(batch.covered.canonicalDescription)")
    }

    private func send(_ request: OutgoingHTTPRequest, what: String) async throws {
        let transport = self.transport
        let table = "\(requests.spec.database).\(requests.spec.table)"
        try await retry.run(isRetryable: { ($0 as? ClickHouseError)?.isRetryable ?? true }, sleep: sleep) {
            let response = try await transport.send(request)
            guard (200..<300).contains(response.status) else {
                throw ClickHouseError(table: table, operation: what, status: response.status, body: response.bodyText)
            }
        }
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
