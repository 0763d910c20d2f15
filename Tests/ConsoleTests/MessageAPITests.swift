import Console
import Foundation
import KafkaClient
import Testing

@Suite("Console API: the message browser against a real broker")
struct MessageAPITests {
    @Test("records from an offset: keys, values, headers and timestamps as produced; non-UTF-8 bytes as base64")
    func fromOffset() async throws {
        let topic = Broker.unique("browse")
        let admin = try await Broker.createTopic(topic, partitions: 2)
        let binary: [UInt8] = [0xFF, 0x00, 0xFE, 0x41]
        try await produce([
            ProducerMessage(topic: topic, key: "k0", value: "first", partition: 1, timestamp: KafkaTimestamp(milliseconds: 1_000_000)),
            ProducerMessage(topic: topic, key: "k1", value: #"{"id":1,"b":[true,null]}"#, headers: [KafkaHeader(key: "source", value: "web")], partition: 1, timestamp: KafkaTimestamp(milliseconds: 2_000_000)),
            ProducerMessage(topic: topic, key: Optional<[UInt8]>.none, value: binary, headers: [KafkaHeader(key: "empty", value: nil)], partition: 1, timestamp: KafkaTimestamp(milliseconds: 3_000_000)),
            ProducerMessage(topic: topic, key: Array("k3".utf8), value: nil, partition: 1, timestamp: KafkaTimestamp(milliseconds: 4_000_000)),
        ])
        let harness = try ConsoleHarness()

        let page = try await harness.json("/api/topics/\(topic)/messages?partition=1&offset=1&limit=2", as: MessagePage.self)
        #expect(page.earliestOffset == 0 && page.latestOffset == 4 && page.startOffset == 1 && page.nextOffset == 3)
        #expect(page.messages.map(\.offset) == [1, 2])
        let json = try #require(page.messages.first)
        #expect(json.key?.data == "k1" && json.key?.encoding == "utf8")
        #expect(json.value?.data == #"{"id":1,"b":[true,null]}"# && json.value?.size == 24)
        #expect(json.timestamp == 2_000_000 && json.timestampType == "CreateTime")
        #expect(json.headers.map(\.key) == ["source"] && json.headers.first?.value?.data == "web")
        let bytes = page.messages[1]
        #expect(bytes.key == nil)
        #expect(bytes.value?.encoding == "base64" && bytes.value?.data == Data(binary).base64EncodedString() && bytes.value?.size == 4)
        #expect(bytes.headers.first?.key == "empty" && bytes.headers.first?.value == nil)

        let newest = try await harness.json("/api/topics/\(topic)/messages?partition=1&limit=1", as: MessagePage.self)
        #expect(newest.messages.map(\.offset) == [3])
        #expect(newest.messages.first?.value == nil, "a tombstone has a null value")

        let byTime = try await harness.json("/api/topics/\(topic)/messages?partition=1&timestamp=2500000&limit=5", as: MessagePage.self)
        #expect(byTime.startOffset == 2 && byTime.messages.map(\.offset) == [2, 3])

        let past = try await harness.json("/api/topics/\(topic)/messages?partition=1&offset=99", as: MessagePage.self)
        #expect(past.startOffset == 4 && past.messages.isEmpty)
        let empty = try await harness.json("/api/topics/\(topic)/messages?partition=0", as: MessagePage.self)
        #expect(empty.latestOffset == 0 && empty.messages.isEmpty)
        try await admin.deleteTopics([topic])
    }

    @Test("the page pretty-prints JSON values in order and escapes every record byte")
    func page() async throws {
        let topic = Broker.unique("page")
        let admin = try await Broker.createTopic(topic, partitions: 1)
        try await produce([
            ProducerMessage(topic: topic, key: "<k>", value: #"{"z":1,"a":"<script>alert(1)</script>"}"#, headers: [KafkaHeader(key: "h<1>", value: "v&")], partition: 0)
        ])
        let harness = try ConsoleHarness()
        let html = try await harness.get("/topics/\(topic)/messages?partition=0&offset=0")
        #expect(html.contains("{\n  &quot;z&quot;: 1,\n  &quot;a&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;\n}"))
        #expect(html.contains("&lt;k&gt;"))
        #expect(html.contains("h&lt;1&gt;=v&amp;"))
        #expect(!html.contains("<script>alert"))
        try await admin.deleteTopics([topic])
    }

    @Test("limits outside 1…500 and unknown partitions are refused with the reason")
    func refusals() async throws {
        let topic = Broker.unique("limits")
        let admin = try await Broker.createTopic(topic, partitions: 1)
        let harness = try ConsoleHarness()
        #expect(try await harness.get("/api/topics/\(topic)/messages?limit=0", status: .badRequest).contains("limit must be between 1 and 500"))
        #expect(try await harness.get("/api/topics/\(topic)/messages?partition=3", status: .notFound).contains("has no partition 3"))
        #expect(try await harness.get("/api/topics/\(topic)/messages?time=yesterday", status: .badRequest).contains("'time'"))
        try await admin.deleteTopics([topic])
    }
}
