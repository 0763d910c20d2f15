import Foundation
import KafkaClient
import Testing

@Suite("Producer → broker → consumer round trips")
struct RoundTripTests {
    /// Records covering what a codec must keep exactly: keys null and empty, values null (tombstone),
    /// empty and binary, headers repeated, null-valued and binary, and explicit timestamps.
    static func sampleMessages(topic: String) -> [ProducerMessage] {
        [
            ProducerMessage(topic: topic, key: Array("user-42".utf8), value: Array("GET /index.html 200".utf8),
                            headers: [KafkaHeader(key: "trace", value: "abc123")], timestamp: KafkaTimestamp(milliseconds: 1_700_000_000_001)),
            ProducerMessage(topic: topic, key: nil, value: Array(repeating: 0x41, count: 5000),
                            headers: [], timestamp: KafkaTimestamp(milliseconds: 1_700_000_000_002)),
            ProducerMessage(topic: topic, key: [], value: [], headers: [KafkaHeader(key: "empty", value: [])],
                            timestamp: KafkaTimestamp(milliseconds: 1_700_000_000_003)),
            ProducerMessage(topic: topic, key: Array("tombstone".utf8), value: nil,
                            headers: [KafkaHeader(key: "null", value: nil)], timestamp: KafkaTimestamp(milliseconds: 1_700_000_000_004)),
            ProducerMessage(topic: topic, key: [0, 255, 128], value: Array(0...255),
                            headers: [KafkaHeader(key: "dup", value: [1]), KafkaHeader(key: "dup", value: [2]), KafkaHeader(key: "bin", value: [0, 0xff])],
                            timestamp: KafkaTimestamp(milliseconds: 1_600_000_000_000)),
        ]
    }

    @Test("every codec keeps key, value, headers and timestamp exactly", arguments: KafkaCompression.allCases)
    func roundTrip(codec: KafkaCompression) async throws {
        let topic = TestCluster.uniqueTopic("roundtrip-\(codec.rawValue)")
        let admin = try await createTopic(topic)
        var producerConfig = try TestCluster.config()
        producerConfig.compression = codec
        producerConfig.linger = .milliseconds(20)
        let producer = try KafkaProducer(config: producerConfig)
        let sent = Self.sampleMessages(topic: topic)
        // Sent concurrently so they share a batch, and the codec compresses several records together.
        let reports = try await withThrowingTaskGroup(of: (Int, DeliveryReport).self) { group in
            for (index, message) in sent.enumerated() {
                group.addTask { (index, try await producer.send(message)) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(Set(reports.values.map(\.offset)) == Set(0..<Int64(sent.count)))
        #expect(reports.values.allSatisfy { $0.topic == topic && $0.partition == 0 })
        await producer.close()

        let consumer = try KafkaConsumer(config: try TestCluster.config())
        try await consumer.assign([TopicPartition(topic: topic, partition: 0): .beginning])
        let received = try await collect(sent.count, from: consumer)
        try await consumer.close()

        let sentByOffset = Dictionary(uniqueKeysWithValues: reports.map { ($0.value.offset, sent[$0.key]) })
        for message in received {
            let original = try #require(sentByOffset[message.offset])
            #expect(message.topic == topic)
            #expect(message.partition == 0)
            #expect(message.key == original.key)
            #expect(message.value == original.value)
            #expect(message.headers == original.headers)
            #expect(message.timestamp == original.timestamp)
            #expect(message.timestampType == .createTime)
        }
        #expect(received.map(\.offset) == Array(0..<Int64(sent.count)))
        try await admin.deleteTopics([topic])
    }
}
