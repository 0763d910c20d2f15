import KafkaClient
import NIOCore
import Testing

@testable import AgentKafka
@testable import LogAgent

@Suite("Kafka sink: records and producer properties")
struct KafkaEventSinkRecordTests {
    private func sinkConfig(topic: String = "logs-{{service}}") throws -> KafkaSinkConfig {
        var config = KafkaSinkConfig(bootstrapServers: ["127.0.0.1:1", "127.0.0.1:2"], topic: try TopicTemplate(topic))
        config.keyField = FieldPath("fields.client")
        return config
    }

    private let event = LogEvent(
        timestamp: 1_795_608_000_123, host: "web1", source: "/var/log/nginx/access.log", service: "nginx", severity: .informational,
        message: "GET /", fields: ["client": .string("10.0.0.7")])

    private func record(_ sink: KafkaEventSink, for event: LogEvent) throws -> ProducerMessage {
        try #require(sink.records(for: EventBatch([PipelineEvent(event)])).messages.first)
    }

    /// Two lines as a file source emits them.
    private let lines = LineBlock(
        bytes: ByteBuffer(string: "GET /a\nGET /bc\n"),
        lines: [LineBlock.Line(offset: 0, count: 6, end: 1007), LineBlock.Line(offset: 7, count: 7, end: 1015)],
        timestamp: 1_795_608_000_000, host: "web1", source: "/var/log/app.log")

    @Test("topic from the template, key from key_field, event time, source/host/service headers, JSON value")
    func recordLayout() throws {
        let sink = try KafkaEventSink(name: "out", config: try sinkConfig())
        let record = try record(sink, for: event)
        #expect(record.topic == "logs-nginx")
        #expect(record.key == Array("10.0.0.7".utf8))
        #expect(record.timestamp == KafkaTimestamp(milliseconds: 1_795_608_000_123))
        #expect(record.headers == [
            KafkaHeader(key: "source", value: "/var/log/nginx/access.log"), KafkaHeader(key: "host", value: "web1"),
            KafkaHeader(key: "service", value: "nginx"),
        ])
        #expect(String(decoding: record.value ?? [], as: UTF8.self) == """
            {"timestamp":"2026-11-25T12:00:00.123Z","host":"web1","source":"/var/log/nginx/access.log","service":"nginx",\
            "severity":"info","message":"GET /","fields":{"client":"10.0.0.7"}}
            """)
    }

    @Test("raw encoding sends the line; a missing key field gives no key")
    func rawWithoutKey() throws {
        var config = try sinkConfig()
        config.encoding = .raw
        config.keyField = FieldPath("fields.absent")
        let record = try record(try KafkaEventSink(name: "out", config: config), for: event)
        #expect(record.value == Array("GET /".utf8))
        #expect(record.key == nil)
    }

    @Test("an event the template cannot name goes to the unrouted topic, tagged with the template")
    func unroutedEvent() throws {
        var unnamed = event
        unnamed.service = nil
        let record = try record(try KafkaEventSink(name: "out", config: try sinkConfig()), for: unnamed)
        #expect(record.topic == KafkaEventSink.unroutedTopic)
        #expect(record.headers.last == KafkaHeader(key: "topic_template", value: "logs-{{service}}"))
    }

    @Test("raw lines are produced from their read buffer, with the topic, key and headers of their source")
    func rawLinesInPlace() throws {
        var config = try sinkConfig(topic: "logs-{{host}}")
        config.encoding = .raw
        config.keyField = .source
        let records = try KafkaEventSink(name: "out", config: config).records(for: EventBatch(lines: lines, receipt: .untracked))
        #expect(records.bytes == lines.bytes)
        let headers = [KafkaHeader(key: "source", value: "/var/log/app.log"), KafkaHeader(key: "host", value: "web1")]
        #expect(records.messages == ["GET /a", "GET /bc"].map {
            ProducerMessage(topic: "logs-web1", key: Array("/var/log/app.log".utf8), value: Array($0.utf8), headers: headers,
                            timestamp: KafkaTimestamp(milliseconds: 1_795_608_000_000))
        })
    }

    @Test("headers: false sends the value alone, raw lines and events alike, but still tags unrouted events")
    func withoutHeaders() throws {
        var config = try sinkConfig(topic: "logs-{{host}}")
        config.encoding = .raw
        config.sendsHeaders = false
        let sink = try KafkaEventSink(name: "out", config: config)
        let records = sink.records(for: EventBatch(lines: lines, receipt: .untracked))
        #expect(records.messages.map(\.headers) == [[], []])
        #expect(records.messages.map(\.value) == [Array("GET /a".utf8), Array("GET /bc".utf8)])
        #expect(try record(sink, for: event).headers == [])
        config.topic = try TopicTemplate("logs-{{fields.absent}}")
        let unrouted = try record(try KafkaEventSink(name: "out", config: config), for: event)
        #expect(unrouted.headers == [KafkaHeader(key: "topic_template", value: "logs-{{fields.absent}}")])
    }

    @Test("lines keyed or routed by their text, or encoded as JSON, become events first")
    func linesAsEvents() throws {
        var config = try sinkConfig(topic: "logs")
        config.encoding = .raw
        config.keyField = .message
        let keyed = try KafkaEventSink(name: "out", config: config).records(for: EventBatch(lines: lines, receipt: .untracked))
        #expect(keyed.messages.map(\.key) == [Array("GET /a".utf8), Array("GET /bc".utf8)])
        #expect(keyed.messages.map(\.value) == [Array("GET /a".utf8), Array("GET /bc".utf8)])
        config.keyField = nil
        config.encoding = .json
        let json = try KafkaEventSink(name: "out", config: config).records(for: EventBatch(lines: lines, receipt: .untracked))
        #expect(json.messages.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["GET /a", "GET /bc"].map {
            #"{"timestamp":"2026-11-25T12:00:00.000Z","host":"web1","source":"/var/log/app.log","message":""# + $0 + #"","fields":{}}"#
        })
    }

    @Test("acks all is idempotent; compression, buffer budget and priority reach librdkafka")
    func producerProperties() throws {
        var config = try sinkConfig()
        config.compression = .zstd
        config.buffer.maximumBytes = 8 << 20
        config.priority = .high
        let properties = KafkaSinkProperties.make(for: config, clientID: "agent").properties
        #expect(properties == [
            "bootstrap.servers": "127.0.0.1:1,127.0.0.1:2", "client.id": "agent", "acks": "all", "enable.idempotence": "true",
            "compression.codec": "zstd", "queue.buffering.max.kbytes": "8192", "linger.ms": "0", "batch.size": "262144",
        ])
        config.acks = .leader
        config.priority = .normal
        let leaderOnly = KafkaSinkProperties.make(for: config, clientID: "agent").properties
        #expect(leaderOnly["acks"] == "1")
        #expect(leaderOnly["enable.idempotence"] == "false")
        #expect(leaderOnly["linger.ms"] == "50")
        config.librdkafkaOptions = ["linger.ms": "200", "batch.num.messages": "2000"]
        let tuned = KafkaSinkProperties.make(for: config, clientID: "agent").properties
        #expect(tuned["linger.ms"] == "200")
        #expect(tuned["batch.num.messages"] == "2000")
    }
}
