import KafkaClient
import NIOConcurrencyHelpers
import StreamProcessing

/// Publishes sink rows, alert events and window shares through a librdkafka producer. A batch is handed
/// to librdkafka in order, so records of one key keep their order; its acknowledgement completes once the
/// broker has all of them (`publish` waits for it, which is what `KafkaSink.flush` relies on). Handing over
/// a whole batch before waiting lets librdkafka send it in a few requests instead of one round trip per record.
public struct KafkaRecordPublisher: RecordPublisher {
    private let producer: KafkaProducer

    public init(producer: KafkaProducer) {
        self.producer = producer
    }

    /// `acks=all` over `base`: a row counts as written once every in-sync replica has it. Idempotent, so
    /// retries never reorder the records of a partition (the partials topic relies on it), and records up
    /// to `maxRecordBytes` (the merge's checkpoints).
    public static func producerConfig(base: KafkaConfig, clientID: String, maxRecordBytes: Int) -> KafkaConfig {
        var config = base
        config.clientID = config.clientID ?? clientID
        config.acks = .all
        config.enableIdempotence = true
        config["message.max.bytes"] = String(maxRecordBytes)
        return config
    }

    public func hand(_ records: [OutgoingRecord]) async throws -> PublishAcknowledgement {
        guard !records.isEmpty else { return .done }
        let outcome = BatchDelivery(expected: records.count)
        for record in records {
            try await producer.enqueue(ProducerMessage(topic: record.topic, key: record.key, value: record.value, partition: record.partition),
                                       onDelivery: outcome.record)
        }
        return PublishAcknowledgement { try await outcome.completion() }
    }
}

/// Waits for the delivery reports of a known number of records; the first failure is thrown.
private final class BatchDelivery: Sendable {
    private struct State {
        var remaining: Int
        var failure: KafkaError?
        var waiter: CheckedContinuation<Void, any Error>?
    }

    private let state: NIOLockedValueBox<State>

    init(expected: Int) {
        state = NIOLockedValueBox(State(remaining: expected))
    }

    @Sendable func record(_ result: Result<DeliveryReport, KafkaError>) {
        let finished: (CheckedContinuation<Void, any Error>, KafkaError?)? = state.withLockedValue { state in
            state.remaining -= 1
            if case .failure(let error) = result, state.failure == nil { state.failure = error }
            guard state.remaining == 0, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.failure)
        }
        if let (waiter, failure) = finished { resume(waiter, failure) }
    }

    func completion() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let done: KafkaError?? = state.withLockedValue { state in
                guard state.remaining > 0 else { return .some(state.failure) }
                state.waiter = continuation
                return .none
            }
            if let failure = done { resume(continuation, failure) }
        }
    }

    private func resume(_ waiter: CheckedContinuation<Void, any Error>, _ failure: KafkaError?) {
        if let failure { waiter.resume(throwing: failure) } else { waiter.resume() }
    }
}
