import Testing
@testable import StreamProcessing

@Suite struct ClickHouseSinkTests {
    static let aggregation = WindowedAggregationSpec(
        name: "latency", window: tumbling(60_000), groupBy: ["service"],
        columns: [AggregateColumn(name: "n", function: .count), AggregateColumn(name: "top", function: .topN(field: "p", n: 1, capacity: 10))],
        allowedLatenessMillis: 0)
    static let spec = ClickHouseSinkSpec(url: "http://ch:8123/", database: "logs", table: "latency_1m", user: "writer", password: "s3cret",
                                         input: .aggregations(["latency"]), batchRows: 2, batchIntervalMillis: 1000)
    static let definition = PipelineDefinition(name: "checkout", source: SourceSpec(topics: ["t"], groupID: "g"), aggregations: [aggregation])

    static func output(_ services: [String], offsets: ClosedRange<Int64>) -> ProcessorOutput {
        var output = ProcessorOutput()
        output.windowResults = services.map {
            WindowResult(aggregation: "latency", groupKey: GroupKey(fields: ["service"], values: [$0]), windowStartMillis: 60_000,
                         windowEndMillis: 120_000, revision: 0, isFinal: true,
                         values: ["n": .number(3), "top": .ranking([.init(item: "/a", count: 2, maxOverestimate: 0)])])
        }
        let partition = TopicPartition(topic: "t", partition: 2)
        output.consumed.include(partition, offset: offsets.lowerBound)
        output.consumed.include(partition, offset: offsets.upperBound)
        return output
    }

    @Test func insertRequestIsJSONEachRowWithADeduplicationTokenFromTheOffsetRange() throws {
        let requests = ClickHouseRequests(spec: Self.spec, pipeline: "checkout")
        let lines = SinkRows.rows(for: Self.spec.input, from: Self.output(["cart"], offsets: 10...19), includeAggregationName: false)
            .map { SinkRows.jsonLine($0.fields) }
        #expect(lines == [#"{"is_final":1,"n":3,"revision":0,"service":"cart","top":"[{\"count\":2,\"item\":\"/a\",\"maxOverestimate\":0}]","window_end":"1970-01-01 00:02:00.000","window_start":"1970-01-01 00:01:00.000"}"#])
        var covered = OffsetRanges()
        covered.include(TopicPartition(topic: "t", partition: 2), offset: 10)
        covered.include(TopicPartition(topic: "t", partition: 2), offset: 19)
        let request = requests.insert(lines: lines, covering: covered)
        let bodyHash = String(StableHash.hash64(lines[0] + "\n"), radix: 16)
        #expect(request.method == "POST")
        #expect(request.url == "http://ch:8123/?query=INSERT%20INTO%20%60logs%60.%60latency_1m%60%20FORMAT%20JSONEachRow&insert_deduplicate=1&insert_deduplication_token=checkout%2Flatency_1m%2Ft%2F2%3A10-19%2F\(bodyHash)")
        #expect(request.headers == ["Content-Type": "text/plain; charset=utf-8", "X-ClickHouse-User": "writer", "X-ClickHouse-Key": "s3cret"])
        #expect(request.body == Array((lines[0] + "\n").utf8))
    }

    @Test func ddlCreatesAReplacingMergeTreeWithADeduplicationWindow() {
        let ddl = String(decoding: ClickHouseRequests(spec: Self.spec, pipeline: "p").createTable(aggregation: Self.aggregation).body, as: UTF8.self)
        #expect(ddl == "CREATE TABLE IF NOT EXISTS `logs`.`latency_1m` (`window_start` DateTime64(3, 'UTC'), `window_end` DateTime64(3, 'UTC'), `service` String, `revision` UInt32, `is_final` UInt8, `n` Nullable(Float64), `top` String) ENGINE = ReplacingMergeTree(revision) ORDER BY (`service`, `window_start`) SETTINGS non_replicated_deduplication_window = 1000")
        let events = String(decoding: ClickHouseRequests(spec: Self.spec, pipeline: "p").createTable(aggregation: nil).body, as: UTF8.self)
        #expect(events.hasPrefix("CREATE TABLE IF NOT EXISTS `logs`.`latency_1m` (`time` DateTime64(3, 'UTC'), `topic` LowCardinality(String)"))
    }

    @Test func batchesByRowCountAndByTime() async throws {
        let transport = ScriptedTransport()
        let sink = ClickHouseSink(spec: Self.spec, pipeline: Self.definition, transport: transport, sleep: { _ in })
        try await sink.accept(Self.output(["a"], offsets: 0...4), nowMillis: 0)
        #expect(await transport.requests.isEmpty)
        try await sink.accept(Self.output(["b", "c"], offsets: 5...9), nowMillis: 10)
        var requests = await transport.requests
        #expect(requests.count == 1)
        #expect(String(decoding: requests[0].body, as: UTF8.self).split(separator: "\n").count == 2)
        #expect(requests[0].url.contains("t%2F2%3A0-9"))
        // "c" waits; an empty delivery after the interval sends it.
        try await sink.accept(ProcessorOutput(), nowMillis: 1009)
        #expect(await transport.requests.count == 1)
        try await sink.accept(ProcessorOutput(), nowMillis: 1010)
        requests = await transport.requests
        #expect(requests.count == 2)
        #expect(String(decoding: requests[1].body, as: UTF8.self).contains(#""service":"c""#))
    }

    @Test func retriesServerErrorsWithBackoffAndFailsFastOnClientErrors() async throws {
        let transport = ScriptedTransport(statuses: [503, 500, 200])
        let delays = OperationLog()
        let policy = RetryPolicy(maxAttempts: 5, initialDelayMillis: 100, multiplier: 2, maxDelayMillis: 150)
        let sink = ClickHouseSink(spec: Self.spec, pipeline: Self.definition, transport: transport, retry: policy,
                                  sleep: { await delays.append("sleep \($0)") })
        try await sink.accept(Self.output(["a", "b"], offsets: 0...1), nowMillis: 0)
        let attempts = await transport.requests
        #expect(attempts.count == 3)
        #expect(Set(attempts).count == 1)  // the same request, so the same deduplication token
        #expect(await delays.entries == ["sleep 100", "sleep 150"])

        let rejecting = ScriptedTransport(statuses: [400])
        let failing = ClickHouseSink(spec: Self.spec, pipeline: Self.definition, transport: rejecting, retry: policy, sleep: { _ in })
        await #expect(throws: ClickHouseError(table: "logs.latency_1m", operation: "insert of 2 rows covering t/2:0-1", status: 400, body: "status 400")) {
            try await failing.accept(Self.output(["a", "b"], offsets: 0...1), nowMillis: 0)
        }
        #expect(await rejecting.requests.count == 1)
    }
}
