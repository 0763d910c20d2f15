import CRdKafka
import NIOConcurrencyHelpers

/// A librdkafka topic handle (`rd_kafka_topic_t`).
/// `@unchecked Sendable`: librdkafka reference-counts topic handles and guards them with its own locks.
struct TopicHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Reads assigned partitions without a consumer group, through librdkafka's simple-consumer API (its
/// high-level consumer needs a group.id and would look up a group coordinator). Every started
/// partition feeds one queue, which the consumer's poll thread reads.
///
/// `@unchecked Sendable`: `queue` and `client` never change and librdkafka queues are thread-safe;
/// the started partitions and topic handles live in `state`, behind its lock.
final class StandalonePartitions: @unchecked Sendable {
    private struct State: Sendable {
        var topics: [String: TopicHandle] = [:]
        var started: Set<TopicPartition> = []
    }

    let queue: OpaquePointer
    private let client: NativeClient
    private let state = NIOLockedValueBox(State())

    init(client: NativeClient) {
        self.client = client
        queue = rd_kafka_queue_new(client.handle)
    }

    /// Replaces what is read: stops every started partition, then starts each given one at its offset.
    /// Blocks until librdkafka has stopped the old partitions.
    func assign(_ offsets: [TopicPartition: KafkaOffset]) throws(KafkaError) {
        let result: Result<Void, KafkaError> = state.withLockedValue { state in
            stopAll(&state)
            for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) {
                guard let topic = handle(for: partition.topic, in: &state) else {
                    return .failure(KafkaError(rd_kafka_last_error(), context: "opening topic \(partition.topic)"))
                }
                guard rd_kafka_consume_start_queue(topic.pointer, partition.partition, offset.rawValue, queue) == 0 else {
                    return .failure(KafkaError(rd_kafka_last_error(), context: "starting to read \(partition) at \(offset)"))
                }
                state.started.insert(partition)
            }
            return .success(())
        }
        try result.get()
    }

    var assignment: [TopicPartition] { state.withLockedValue { $0.started.sorted() } }

    /// The next message or error from any started partition; the caller destroys it.
    func poll(timeoutMilliseconds: Int32) -> UnsafeMutablePointer<rd_kafka_message_t>? {
        rd_kafka_consume_queue(queue, timeoutMilliseconds)
    }

    /// Stops every partition and releases the topic handles and the queue; the poll thread must have stopped.
    func close() {
        state.withLockedValue { state in
            stopAll(&state)
            for topic in state.topics.values { rd_kafka_topic_destroy(topic.pointer) }
            state.topics = [:]
        }
        rd_kafka_queue_destroy(queue)
    }

    private func stopAll(_ state: inout State) {
        for partition in state.started {
            if let topic = state.topics[partition.topic] { rd_kafka_consume_stop(topic.pointer, partition.partition) }
        }
        state.started = []
    }

    private func handle(for topic: String, in state: inout State) -> TopicHandle? {
        if let existing = state.topics[topic] { return existing }
        guard let pointer = rd_kafka_topic_new(client.handle, topic, nil) else { return nil }
        state.topics[topic] = TopicHandle(pointer: pointer)
        return state.topics[topic]
    }
}
