import Foundation
import KafkaClient
import KafkaTestSupport
import Testing

@Suite("Consumer positioning without a group")
struct ConsumerPositionTests {
    /// A topic with `count` records "0", "1", … in partition 0.
    static func filledTopic(_ purpose: String, count: Int) async throws -> (String, KafkaAdmin) {
        let topic = TestCluster.uniqueTopic(purpose)
        let admin = try await createTopic(topic)
        let producer = try KafkaProducer(config: try TestCluster.config())
        for index in 0..<count {
            try await producer.enqueue(ProducerMessage(topic: topic, value: Array(String(index).utf8))) { _ in }
        }
        try await producer.flush(timeout: .seconds(10))
        await producer.close()
        return (topic, admin)
    }

    @Test("assign at an offset, seek backwards, and tail")
    func assignAndSeek() async throws {
        let (topic, admin) = try await Self.filledTopic("seek", count: 20)
        let partition = TopicPartition(topic: topic, partition: 0)
        let consumer = try KafkaConsumer(config: try TestCluster.config())
        try await consumer.assign([partition: KafkaOffset(15)])
        #expect(try await consumer.assignment() == [partition])
        #expect(try await collect(5, from: consumer).map(\.offset) == [15, 16, 17, 18, 19])

        try await consumer.seek(partition, to: KafkaOffset(3))
        let afterSeek = try await collect(2, from: consumer)
        #expect(afterSeek.map(\.offset) == [3, 4])
        #expect(afterSeek.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["3", "4"])

        try await consumer.assign([partition: .tail(2)])
        #expect(try await collect(2, from: consumer).map(\.offset) == [18, 19])
        try await consumer.close()
        try await admin.deleteTopics([topic])
    }

    @Test("pause stops delivery and resume continues where it stopped")
    func pauseResume() async throws {
        let (topic, admin) = try await Self.filledTopic("pause", count: 3)
        let partition = TopicPartition(topic: topic, partition: 0)
        let consumer = try KafkaConsumer(config: try TestCluster.config(), bufferCapacity: 1)
        try await consumer.assign([partition: KafkaOffset(3)])
        try consumer.pause([partition])
        let producer = try KafkaProducer(config: try TestCluster.config())
        _ = try await producer.send(topic: topic, value: Array("after pause".utf8))
        await #expect(throws: TestSetupError.self) { _ = try await collect(1, from: consumer, timeout: .seconds(1)) }
        try consumer.resume([partition])
        let resumed = try await collect(1, from: consumer)
        #expect(resumed.map(\.offset) == [3])
        await producer.close()
        try await consumer.close()
        try await admin.deleteTopics([topic])
    }

    @Test("messages ends when the consumer closes")
    func closeEndsMessages() async throws {
        let consumer = try KafkaConsumer(config: try TestCluster.config())
        let reader = Task {
            var count = 0
            for try await _ in consumer.messages { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(200))
        try await consumer.close()
        #expect(try await reader.value == 0)
    }
}
