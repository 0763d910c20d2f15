import KafkaClient
import StreamProcessing

/// Commits the offsets a checkpoint covers to the consumer group, synchronously, so lag monitoring
/// (Burrow, `logport groups`) sees the processor's progress.
public struct KafkaOffsetCommitter: OffsetCommitter {
    private let consumer: KafkaConsumer

    public init(consumer: KafkaConsumer) {
        self.consumer = consumer
    }

    public func commit(_ nextOffsets: [StreamProcessing.TopicPartition: Int64]) async throws {
        try await consumer.commit(nextOffsets.kafkaKeyed)
    }
}
