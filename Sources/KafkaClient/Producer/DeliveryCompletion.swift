import CRdKafka
import NIOConcurrencyHelpers

/// What to do once librdkafka decides a message's fate. It travels through librdkafka as the message
/// opaque: retained once when the message is enqueued, released by the delivery-report callback.
final class DeliveryCompletion: Sendable {
    private let handler: @Sendable (Result<DeliveryReport, KafkaError>) -> Void

    init(_ handler: @escaping @Sendable (Result<DeliveryReport, KafkaError>) -> Void) {
        self.handler = handler
    }

    /// The delivery-report callback (dr_msg_cb); runs on the producer's poll thread.
    static func deliver(_ message: UnsafePointer<rd_kafka_message_t>) {
        guard let opaque = message.pointee._private else { return }
        let completion = Unmanaged<DeliveryCompletion>.fromOpaque(opaque).takeRetainedValue()
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
        let partition = message.pointee.partition
        guard message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_message_errstr(message).map { String(cString: $0) }
            completion.handler(.failure(KafkaError(
                code: KafkaErrorCode(message.pointee.err), message: text,
                context: "delivering to \(TopicPartition(topic: topic, partition: partition))")))
            return
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        completion.handler(.success(DeliveryReport(
            topic: topic, partition: partition, offset: message.pointee.offset,
            timestamp: timestamp >= 0 ? KafkaTimestamp(milliseconds: timestamp) : nil)))
    }
}

/// Counts down the delivery reports of one `enqueue(batch:)` and reports once for all of them.
final class BatchDelivery: Sendable {
    private struct State {
        var remaining: Int
        var failure: KafkaError?
    }

    private let state: NIOLockedValueBox<State>
    private let handler: @Sendable (Result<Void, KafkaError>) -> Void

    init(count: Int, handler: @escaping @Sendable (Result<Void, KafkaError>) -> Void) {
        state = NIOLockedValueBox(State(remaining: count))
        self.handler = handler
    }

    func record(_ result: Result<DeliveryReport, KafkaError>) {
        let outcome = state.withLockedValue { state -> Result<Void, KafkaError>? in
            if case .failure(let error) = result, state.failure == nil { state.failure = error }
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            return state.failure.map { .failure($0) } ?? .success(())
        }
        if let outcome { handler(outcome) }
    }
}

/// The outcome of one `send`, which the delivery callback may fill before or after the sender waits.
final class DeliveryPromise: Sendable {
    private enum State {
        case pending
        case waiting(CheckedContinuation<DeliveryReport, any Error>)
        case done(Result<DeliveryReport, KafkaError>)
    }

    private let state = NIOLockedValueBox(State.pending)

    func fulfil(_ result: Result<DeliveryReport, KafkaError>) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<DeliveryReport, any Error>? in
            defer { state = .done(result) }
            if case .waiting(let continuation) = state { return continuation }
            return nil
        }
        waiter?.resume(with: result.mapError { $0 as any Error })
    }

    /// Waits for the delivery report. Not cancellable: the message is already in librdkafka's hands,
    /// and its fate is decided within `message.timeout.ms`.
    var value: DeliveryReport {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLockedValue { state -> Result<DeliveryReport, KafkaError>? in
                    if case .done(let result) = state { return result }
                    state = .waiting(continuation)
                    return nil
                }
                if let ready { continuation.resume(with: ready.mapError { $0 as any Error }) }
            }
        }
    }
}
