import Foundation
import InMemoryLogging
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
        let logs = InMemoryLogHandler()
        let store = KafkaCheckpointStore(consumer: consumer, placement: .records(producer: producer, reader: base),
                                         logger: Logger(label: "test") { _ in logs })
        var warnings: [String] { logs.entries.filter { $0.level == .warning }.map { "\($0.message)" } }
        let partition = StreamProcessing.TopicPartition(topic: topic, partition: 0)

        try await store.save([partition: PartitionCheckpoint(offset: 1, state: [1, 2, 3])])
        #expect(try await store.load([partition]) == [partition: PartitionCheckpoint(offset: 1, state: [1, 2, 3])])
        #expect(warnings.isEmpty)

        // The committed pointer names a record that is not the checkpoint (as when retention deleted
        // it and the offset now holds something else): empty state, and the operator is told.
        try await consumer.commit(positions: [KafkaClient.TopicPartition(topic: topic, partition: 0):
                                                CommitPosition(offset: 1, metadata: #"{"checkpointOffset":0}"#)])
        #expect(try await store.load([partition]) == [partition: PartitionCheckpoint(offset: 1, state: [])])
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("\(topic)") == true && warnings.first?.contains("offset 0 is gone") == true)

        try await consumer.close()
        await producer.close()
        withExtendedLifetime(mock) {}
    }
}

