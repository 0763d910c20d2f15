import KafkaClient
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

    @Test("topic from the template, key from key_field, event time, source/host/service headers, JSON value")
    func recordLayout() throws {
        let sink = try KafkaEventSink(name: "out", config: try sinkConfig())
        let record = sink.record(for: event)
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
        let record = try KafkaEventSink(name: "out", config: config).record(for: event)
        #expect(record.value == Array("GET /".utf8))
        #expect(record.key == nil)
    }

    @Test("an event the template cannot name goes to the unrouted topic, tagged with the template")
    func unroutedEvent() throws {
        var unnamed = event
        unnamed.service = nil
        let record = try KafkaEventSink(name: "out", config: try sinkConfig()).record(for: unnamed)
        #expect(record.topic == KafkaEventSink.unroutedTopic)
        #expect(record.headers.last == KafkaHeader(key: "topic_template", value: "logs-{{service}}"))
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
            "compression.codec": "zstd", "queue.buffering.max.kbytes": "8192", "linger.ms": "0",
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
