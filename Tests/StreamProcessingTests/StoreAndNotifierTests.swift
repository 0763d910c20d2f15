import Foundation
import Testing
@testable import StreamProcessing

@Suite struct StoreAndNotifierTests {
    static let key = GroupKey(fields: ["service"], values: ["cart"])

    static func result(revision: Int, count: Double, isFinal: Bool = false) -> WindowResult {
        WindowResult(aggregation: "latency", groupKey: key, windowStartMillis: 0, windowEndMillis: 60_000, revision: revision,
                     isFinal: isFinal, values: ["n": .number(count), "top": .ranking([.init(item: "/a", count: 1, maxOverestimate: 0)])])
    }

    static func alert(_ state: AlertEvent.State, at: Int64) -> AlertEvent {
        AlertEvent(id: "slow|service=cart|60000", rule: "slow", severity: "critical", groupKey: key, state: state, atMillis: at,
                   openedAtMillis: 60_000, value: 700, message: "slow \(state.rawValue)")
    }

    @Test func storeKeepsTheHighestRevisionOfEachWindow() throws {
        let store = try EmbeddedStore()
        try store.write(results: [Self.result(revision: 0, count: 3)], alerts: [], pipeline: "p")
        try store.write(results: [Self.result(revision: 2, count: 5, isFinal: true)], alerts: [], pipeline: "p")
        try store.write(results: [Self.result(revision: 1, count: 4)], alerts: [], pipeline: "p")
        let stored = try store.aggregates(pipeline: "p", aggregation: "latency")
        #expect(stored.count == 1)
        #expect(stored.first?.revision == 2)
        #expect(stored.first?.isFinal == true)
        #expect(stored.first?.values["n"] == .number(5))
        #expect(stored.first?.values["top"] == .ranking([.init(item: "/a", count: 1, maxOverestimate: 0)]))
        #expect(stored.first?.groupValues == ["service": "cart"])
        #expect(try store.aggregates(pipeline: "p", aggregation: "latency", windowEndFromMillis: 60_001).isEmpty)
    }

    @Test func storeTracksAlertStateAndHistoryIdempotently() throws {
        let store = try EmbeddedStore()
        try store.write(results: [], alerts: [Self.alert(.firing, at: 60_000)], pipeline: "p")
        #expect(try store.alerts(state: .firing).map(\.id) == ["slow|service=cart|60000"])
        try store.write(results: [], alerts: [Self.alert(.resolved, at: 180_000)], pipeline: "p")
        // A replay after restart writes both again.
        try store.write(results: [], alerts: [Self.alert(.firing, at: 60_000), Self.alert(.resolved, at: 180_000)], pipeline: "p")
        #expect(try store.alerts(state: .firing).isEmpty)
        let resolved = try store.alerts(pipeline: "p")
        #expect(resolved.map(\.state) == ["resolved"])
        #expect(resolved.first?.resolvedAtMillis == 180_000)
        #expect(try store.alertHistory(alertID: "slow|service=cart|60000").map(\.state) == [.firing, .resolved])
    }

    @Test func webhookPostsSortedJSONAndRejectsNon2xx() async throws {
        let transport = ScriptedTransport(statuses: [200, 500])
        let notifier = WebhookNotifier(url: "http://hooks.local/x", headers: ["Authorization": "Bearer t"], transport: transport)
        try await notifier.notify([Self.alert(.firing, at: 60_000)])
        let request = try #require(await transport.requests.first)
        #expect(request.headers == ["Authorization": "Bearer t", "Content-Type": "application/json"])
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"alerts":[{"atMillis":60000,"groupKey":{"fields":["service"],"values":["cart"]},"id":"slow|service=cart|60000","message":"slow firing","openedAtMillis":60000,"rule":"slow","severity":"critical","state":"firing","value":700}]}"#)
        await #expect(throws: NotifierError.self) { try await notifier.notify([Self.alert(.resolved, at: 1)]) }
    }

    @Test func kafkaNotifierAndSinkKeyRecordsBySeries() async throws {
        let publisher = RecordingPublisher()
        try await KafkaTopicNotifier(topic: "alerts", publisher: publisher).notify([Self.alert(.firing, at: 60_000)])
        var output = ProcessorOutput()
        output.windowResults = [Self.result(revision: 0, count: 3)]
        try await KafkaSink(topic: "aggregates", input: .aggregations(["latency"]), publisher: publisher).accept(output, nowMillis: 0)
        let records = await publisher.records
        #expect(records.map(\.topic) == ["alerts", "aggregates"])
        #expect(records.map(\.key) == ["slow|service=cart|60000", "latency|service=cart"])
        #expect(records[1].value.contains(#""aggregation":"latency""#))
    }

    @Test func thePartialsSinkHandsRecordsOverAtOnceAndItsFlushWaitsForTheirAcknowledgement() async throws {
        let publisher = RecordingPublisher(failing: RejectedCommit())
        let exchange = Exchange(topic: "__logport-g-partials", partitionCount: 2)
        let sink = ExchangeSink(exchange: exchange, publisher: publisher)
        var output = ProcessorOutput()
        output.progress = [SourceProgress(source: TopicPartition(topic: "t", partition: 0), nextOffset: 5, watermarkMillis: 100, idle: false)]
        try await sink.accept(output, nowMillis: 0)
        // One report, to every partials partition; the broker's answer matters only for the checkpoint.
        #expect(await publisher.records.count == 2)
        await #expect(throws: RejectedCommit.self) { try await sink.flush() }
        try await sink.flush()
    }

    @Test func fileSinkAppendsJSONLines() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = FileSink(path: path, input: .alerts)
        try await sink.prepare()
        var output = ProcessorOutput()
        output.alerts = [Self.alert(.firing, at: 60_000), Self.alert(.resolved, at: 120_000)]
        try await sink.accept(output, nowMillis: 0)
        try await sink.flush()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[1].contains(#""state":"resolved""#))
        #expect(lines[1].contains(#""at":"1970-01-01 00:02:00.000""#))
    }
}
