import Foundation
import Testing
@testable import StreamProcessing

/// A ClickHouse that keeps inserted lines per table and answers the sink's queries the way the server
/// does; it can lose the answer to an insert it applied, as a timeout on the way back would.
actor FakeClickHouse: HTTPTransport {
    let version: String
    private(set) var requests: [OutgoingHTTPRequest] = []
    private(set) var insertedLines: [String] = []
    private var insertOutcomes: [Int]
    private var loseAnswerOfNextInsert = false

    init(version: String = "18.16.1", insertStatuses: [Int] = []) {
        self.version = version
        self.insertOutcomes = insertStatuses
    }

    func loseTheAnswerOfTheNextInsert() { loseAnswerOfNextInsert = true }

    func send(_ request: OutgoingHTTPRequest) async throws -> HTTPResponseSummary {
        requests.append(request)
        let body = String(decoding: request.body, as: UTF8.self)
        if body == "SELECT version()" { return answer(200, version + "\n") }
        if body.hasPrefix("CREATE") { return answer(200, "") }
        if body.hasPrefix("SELECT `topic`, `partition`, max(`offset`)") { return answer(200, storedPositionsText()) }
        if body.hasPrefix("SELECT '__logport-g-partials', `partials_partition`, max(`partials_offset`)") {
            return answer(200, storedPositionsText(topic: "__logport-g-partials", partition: "partials_partition", offset: "partials_offset"))
        }
        guard request.url.contains("INSERT") else { return answer(400, "unexpected request") }
        let status = insertOutcomes.isEmpty ? 200 : insertOutcomes.removeFirst()
        guard status == 200 else { return answer(status, "injected failure") }
        insertedLines += body.split(separator: "\n").map(String.init)
        if loseAnswerOfNextInsert {
            loseAnswerOfNextInsert = false
            throw URLError(.timedOut)
        }
        return answer(200, "")
    }

    private func answer(_ status: Int, _ text: String) -> HTTPResponseSummary {
        HTTPResponseSummary(status: status, body: Array(text.utf8))
    }

    /// `topic` nil: the row's own topic column.
    private func storedPositionsText(topic fixedTopic: String? = nil, partition partitionColumn: String = "partition",
                                     offset offsetColumn: String = "offset") -> String {
        var highest: [String: Int64] = [:]
        for line in insertedLines {
            guard let row = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let topic = fixedTopic ?? row["topic"] as? String, let partition = row[partitionColumn] as? Int,
                  let offset = row[offsetColumn] as? Int else { continue }
            let key = "\(topic)\t\(partition)"
            highest[key] = max(highest[key] ?? Int64(offset), Int64(offset))
        }
        return highest.sorted { $0.key < $1.key }.map { "\($0.key)\t\($0.value)\n" }.joined()
    }

    /// Offsets of the stored events, in insertion order.
    var storedOffsets: [Int] { stored("offset") }

    /// A column of every stored row that has it, in insertion order.
    func stored(_ column: String) -> [Int] {
        insertedLines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?[column] as? Int
        }
    }

    var insertCount: Int { requests.filter { $0.url.contains("INSERT") }.count }
}

@Suite struct ClickHouseSinkTests {
    static let aggregation = WindowedAggregationSpec(
        name: "latency", window: tumbling(60_000), groupBy: ["service"],
        columns: [AggregateColumn(name: "n", function: .count), AggregateColumn(name: "top", function: .topN(field: "p", n: 1, capacity: 10))],
        allowedLatenessMillis: 0)
    static let spec = ClickHouseSinkSpec(url: "http://ch:8123/", database: "logs", table: "latency_1m", user: "writer", password: "s3cret",
                                         input: .aggregations(["latency"]), batchRows: 2, batchIntervalMillis: 1000)
    static let eventsSpec = ClickHouseSinkSpec(url: "http://ch:8123", database: "logs", table: "events", input: .events,
                                               batchRows: 3, batchIntervalMillis: 1000)
    static let definition = PipelineDefinition(name: "checkout", source: SourceSpec(topics: ["t"], groupID: "g"), aggregations: [aggregation],
                                               sinks: [.clickHouse(spec), .clickHouse(eventsSpec)])
    static let partition = TopicPartition(topic: "t", partition: 2)
    static let fastRetry = RetryPolicy(maxAttempts: 3, initialDelayMillis: 1, multiplier: 1, maxDelayMillis: 1)

    static func output(_ services: [String], offsets: ClosedRange<Int64>) -> ProcessorOutput {
        var output = ProcessorOutput()
        output.windowResults = services.map {
            WindowResult(aggregation: "latency", groupKey: GroupKey(fields: ["service"], values: [$0]), windowStartMillis: 60_000,
                         windowEndMillis: 120_000, revision: 0, isFinal: true,
                         values: ["n": .number(3), "top": .ranking([.init(item: "/a", count: 2, maxOverestimate: 0)])])
        }
        output.consumed.include(partition, offset: offsets.lowerBound)
        output.consumed.include(partition, offset: offsets.upperBound)
        return output
    }

    static func events(_ offsets: ClosedRange<Int64>) -> ProcessorOutput {
        var output = ProcessorOutput()
        for offset in offsets {
            output.events.append(Event(fields: ["user": .string("u\(offset)")], timeMillis: 1_700_000_000_250 + offset,
                                       topicPartition: partition, offset: offset))
            output.consumed.include(partition, offset: offset)
        }
        return output
    }

    @Test func insertRequestIsJSONEachRowWithBestEffortTimes() throws {
        let requests = ClickHouseRequests(spec: Self.spec, exchangeTopic: Self.definition.exchangeTopic)
        let lines = SinkRows.rows(for: Self.spec.input, from: Self.output(["cart"], offsets: 10...19), includeAggregationName: false)
            .map { SinkRows.jsonLine($0.fields) }
        #expect(lines == [#"{"is_final":1,"n":3,"revision":0,"service":"cart","top":"[{\"count\":2,\"item\":\"/a\",\"maxOverestimate\":0}]","window_end":"1970-01-01 00:02:00.000","window_start":"1970-01-01 00:01:00.000"}"#])
        let request = requests.insert(lines: lines)
        #expect(request.method == "POST")
        #expect(request.url == "http://ch:8123/?query=INSERT%20INTO%20%60logs%60.%60latency_1m%60%20FORMAT%20JSONEachRow&date_time_input_format=best_effort")
        #expect(request.headers == ["Content-Type": "text/plain; charset=utf-8", "X-ClickHouse-User": "writer", "X-ClickHouse-Key": "s3cret"])
        #expect(request.body == Array((lines[0] + "\n").utf8))
    }

    @Test func ddlFollowsTheServerVersion() throws {
        let requests = ClickHouseRequests(spec: Self.spec, exchangeTopic: Self.definition.exchangeTopic)
        #expect(try ClickHouseDialect(version: "18.16.1\n") == .legacy)
        #expect(try ClickHouseDialect(version: "19.17.4.11") == .legacy)
        #expect(try ClickHouseDialect(version: "20.1.2.4") == .modern)
        #expect(try ClickHouseDialect(version: "24.3.2.23") == .modern)
        #expect(throws: ClickHouseDialectError.unrecognizedVersion("<html>")) { try ClickHouseDialect(version: "<html>") }

        let legacy = String(decoding: requests.createTable(aggregation: Self.aggregation, dialect: .legacy).body, as: UTF8.self)
        #expect(legacy == "CREATE TABLE IF NOT EXISTS `logs`.`latency_1m` (`window_start` DateTime('UTC'), `window_end` DateTime('UTC'), `service` String, `revision` UInt32, `is_final` UInt8, `n` Nullable(Float64), `top` String, `partials_partition` Int32, `partials_offset` Int64) ENGINE = ReplacingMergeTree(revision) ORDER BY (`service`, `window_start`)")
        let modernEvents = String(decoding: requests.createTable(aggregation: nil, dialect: .modern).body, as: UTF8.self)
        #expect(modernEvents == "CREATE TABLE IF NOT EXISTS `logs`.`latency_1m` (`time` DateTime64(3, 'UTC'), `topic` LowCardinality(String), `partition` Int32, `offset` Int64, `fields` String) ENGINE = MergeTree() ORDER BY (`topic`, `partition`, `offset`)")
    }

    @Test func prepareProbesTheVersionCreatesDatabaseAndTableAndReadsStoredOffsets() async throws {
        let server = FakeClickHouse(version: "18.16.1")
        let sink = ClickHouseSink(spec: Self.eventsSpec, pipeline: Self.definition, transport: server, sleep: { _ in })
        try await sink.prepare()
        let bodies = await server.requests.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(bodies == [
            "SELECT version()",
            "CREATE DATABASE IF NOT EXISTS `logs`",
            "CREATE TABLE IF NOT EXISTS `logs`.`events` (`time` DateTime('UTC'), `topic` String, `partition` Int32, `offset` Int64, `fields` String) ENGINE = MergeTree() ORDER BY (`topic`, `partition`, `offset`)",
            "SELECT `topic`, `partition`, max(`offset`) FROM `logs`.`events` GROUP BY `topic`, `partition` FORMAT TabSeparated",
        ])
    }

    @Test func aReplayAfterARestartAddsOnlyTheEventsTheTableLacks() async throws {
        let server = FakeClickHouse()
        let first = ClickHouseSink(spec: Self.eventsSpec, pipeline: Self.definition, transport: server, sleep: { _ in })
        try await first.prepare()
        try await first.accept(Self.events(0...6), nowMillis: 0)  // two full batches of 3 land; offset 6 waits
        #expect(await server.storedOffsets == [0, 1, 2, 3, 4, 5])

        // Crash: the checkpoint said offset 2 was next, so 2...9 are replayed into a fresh sink.
        let second = ClickHouseSink(spec: Self.eventsSpec, pipeline: Self.definition, transport: server, sleep: { _ in })
        try await second.prepare()
        try await second.accept(Self.events(2...9), nowMillis: 0)
        try await second.flush()
        #expect(await server.storedOffsets == Array(0...9))
        #expect(await second.metrics.rowsAlreadyStored == 4)
    }

    @Test func anInsertWhoseAnswerWasLostIsNotRepeated() async throws {
        let server = FakeClickHouse()
        let sink = ClickHouseSink(spec: Self.eventsSpec, pipeline: Self.definition, transport: server, retry: Self.fastRetry, sleep: { _ in })
        try await sink.prepare()
        await server.loseTheAnswerOfTheNextInsert()
        try await sink.accept(Self.events(0...2), nowMillis: 0)
        try await sink.accept(Self.events(3...5), nowMillis: 0)
        #expect(await server.storedOffsets == Array(0...5))
        #expect(await sink.metrics.rowsAlreadyStored == 3)
    }

    @Test func aFailedInsertIsRetriedWhole() async throws {
        let server = FakeClickHouse(insertStatuses: [503])
        let sink = ClickHouseSink(spec: Self.eventsSpec, pipeline: Self.definition, transport: server, retry: Self.fastRetry, sleep: { _ in })
        try await sink.prepare()
        try await sink.accept(Self.events(0...2), nowMillis: 0)
        #expect(await server.storedOffsets == [0, 1, 2])
        let inserts = await server.requests.filter { $0.url.contains("INSERT") }
        #expect(inserts.count == 2)
        #expect(inserts[0] == inserts[1])
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
        #expect(Set(attempts).count == 1)
        #expect(await delays.entries == ["sleep 100", "sleep 150"])

        let rejecting = ScriptedTransport(statuses: [400])
        let failing = ClickHouseSink(spec: Self.spec, pipeline: Self.definition, transport: rejecting, retry: policy, sleep: { _ in })
        await #expect(throws: ClickHouseError(table: "logs.latency_1m", operation: "insert of 2 rows covering t/2:0-1", status: 400, body: "status 400")) {
            try await failing.accept(Self.output(["a", "b"], offsets: 0...1), nowMillis: 0)
        }
        #expect(await rejecting.requests.count == 1)
    }

    /// Merged results as the merge stage emits them: `perPosition` services for each partials offset.
    static func merged(_ positions: ClosedRange<Int64>, perPosition services: [String]) -> ProcessorOutput {
        var output = ProcessorOutput()
        for offset in positions {
            for service in services {
                output.windowResults.append(WindowResult(
                    aggregation: "latency", groupKey: GroupKey(fields: ["service"], values: [service]), windowStartMillis: offset * 60_000,
                    windowEndMillis: (offset + 1) * 60_000, revision: 0, isFinal: true, values: ["n": .number(1), "top": .ranking([])],
                    position: RecordPosition(topicPartition: TopicPartition(topic: "__logport-g-partials", partition: 1), offset: offset)))
            }
        }
        return output
    }

    @Test func aggregateRowsStoreTheirPartialsPositionAndAReplayAddsOnlyWhatIsMissing() async throws {
        let server = FakeClickHouse()
        let first = ClickHouseSink(spec: Self.spec, pipeline: Self.definition, transport: server, sleep: { _ in })
        try await first.prepare()
        // Three results share position 10: they go into one insert although a batch is two rows.
        try await first.accept(Self.merged(10...10, perPosition: ["a", "b", "c"]), nowMillis: 0)
        #expect(await server.stored("partials_offset") == [10, 10, 10])
        #expect(await server.insertCount == 1)
        try await first.accept(Self.merged(11...12, perPosition: ["a"]), nowMillis: 0)
        #expect(await server.stored("partials_offset") == [10, 10, 10, 11, 12])
        #expect(await server.stored("partials_partition") == [1, 1, 1, 1, 1])

        // Crash and restore: the merge emits the same results at the same positions again.
        let second = ClickHouseSink(spec: Self.spec, pipeline: Self.definition, transport: server, sleep: { _ in })
        try await second.prepare()
        try await second.accept(Self.merged(11...14, perPosition: ["a"]), nowMillis: 0)
        try await second.flush()
        #expect(await server.stored("partials_offset") == [10, 10, 10, 11, 12, 13, 14])
        #expect(await second.metrics.rowsAlreadyStored == 2)
    }

    @Test func storedOffsetsAnswersAreCheckedLineByLine() throws {
        let parsed = try StoredPositions.parse(tabSeparated: "t\t0\t41\nt\t2\t7\n", table: "logs.events")
        #expect(parsed.highestOffsets == [TopicPartition(topic: "t", partition: 0): 41, Self.partition: 7])
        #expect(parsed.contains(Self.partition, offset: 7))
        #expect(!parsed.contains(Self.partition, offset: 8))
        #expect(throws: StoredPositionsError.malformedLine(table: "logs.events", line: 2, text: "t\tx\t7")) {
            try StoredPositions.parse(tabSeparated: "t\t0\t41\nt\tx\t7\n", table: "logs.events")
        }
    }
}
