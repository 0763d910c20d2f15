import Foundation
import KafkaClient
import KafkaTestSupport
import Logging
import Testing
@testable import ProcessorRuntime
import StreamProcessing

/// The merge stage's checkpoints as records in the partials topic, over librdkafka's mock cluster.
@Suite struct KafkaCheckpointStoreTests {
    @Test(.timeLimit(.minutes(1))) func recordCheckpointsRoundTripAndAGoneRecordIsReported() async throws {
        let mock = try MockCluster()
        let topic = "partials-\(UUID().uuidString.prefix(8))"
        try mock.createTopic(topic, partitions: 1)
        let base = KafkaConfig(bootstrapServers: mock.bootstrap)
        let producer = try KafkaProducer(config: base)
        // Offset 0: an ordinary record, which no checkpoint pointer should ever name.
        _ = try await producer.send(topic: topic, value: Array("window share".utf8))

        var groupConfig = base
        groupConfig.groupID = "merge-\(UUID().uuidString.prefix(8))"
        let consumer = try KafkaConsumer(config: groupConfig)
        let warnings = CapturedWarnings()
        let store = KafkaCheckpointStore(consumer: consumer, placement: .records(producer: producer, reader: base),
                                         logger: Logger(label: "test") { _ in warnings })
        let partition = StreamProcessing.TopicPartition(topic: topic, partition: 0)

        try await store.save([partition: PartitionCheckpoint(offset: 1, state: [1, 2, 3])])
        #expect(try await store.load([partition]) == [partition: PartitionCheckpoint(offset: 1, state: [1, 2, 3])])
        #expect(warnings.messages.isEmpty)

        // The committed pointer names a record that is not the checkpoint (as when retention deleted
        // it and the offset now holds something else): empty state, and the operator is told.
        try await consumer.commit(positions: [KafkaClient.TopicPartition(topic: topic, partition: 0):
                                                CommitPosition(offset: 1, metadata: #"{"checkpointOffset":0}"#)])
        #expect(try await store.load([partition]) == [partition: PartitionCheckpoint(offset: 1, state: [])])
        #expect(warnings.messages.count == 1)
        #expect(warnings.messages.first?.contains("\(topic)") == true && warnings.messages.first?.contains("offset 0 is gone") == true)

        try await consumer.close()
        await producer.close()
        withExtendedLifetime(mock) {}
    }
}

/// Keeps the warnings logged through it.
private final class CapturedWarnings: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var logged: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var messages: [String] { lock.withLock { logged } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        if event.level == .warning { lock.withLock { logged.append("\(event.message)") } }
    }
}
