import Foundation
import KafkaClient
import KafkaTestSupport
import Logging
import Testing
@testable import ProcessorRuntime
import StreamProcessing

/// The consumer-group source over librdkafka's mock cluster.
@Suite struct KafkaRecordSourceTests {
    @Test(.timeLimit(.minutes(1))) func noRecordFetchedBeforeASeekIsReturnedAfterIt() async throws {
        let mock = try MockCluster()
        let topic = "seek-\(UUID().uuidString.prefix(8))"
        try mock.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: mock.bootstrap))
        for offset in 0..<60 { _ = try await producer.send(topic: topic, value: Array("\(offset)".utf8)) }
        await producer.close()

        let config = KafkaRecordSource.consumerConfig(base: KafkaConfig(bootstrapServers: mock.bootstrap), groupID: "seek", clientID: "test")
        // A tiny inbox: it fills at once, and the task moving records holds one more, waiting for room.
        let source = KafkaRecordSource(consumer: try KafkaConsumer(config: config), pollWait: .milliseconds(200), maxPollRecords: 4,
                                       inboxCapacity: 3, logger: Logger(label: "test"))
        try await source.start(subscribingTo: [topic])
        var first: [SourceRecord] = []
        for _ in 0..<100 where first.isEmpty { first = try await source.poll() }
        #expect(first.map(\.offset) == Array(0..<Int64(first.count)))
        try await Task.sleep(for: .milliseconds(300))

        let partition = StreamProcessing.TopicPartition(topic: topic, partition: 0)
        try await source.seek(to: [partition: 1])
        var after: [Int64] = []
        for _ in 0..<100 where after.count < 20 { after += try await source.poll().map(\.offset) }
        #expect(after.prefix(20) == ArraySlice(1...20))
        try await source.close()
        withExtendedLifetime(mock) {}
    }
}
