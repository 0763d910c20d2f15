import Atomics
import CRdKafka
import NIOConcurrencyHelpers
import NIOCore

/// What a message's delivery report reaches: librdkafka carries a pointer to one as the message
/// opaque, and the delivery-report callback (dr_msg_cb, on the producer's poll thread) hands it the
/// report. Subclasses decide how they are kept alive while their messages are in flight.
class DeliveryCompletion: @unchecked Sendable {
    /// The delivery-report callback: finds the message's completion and hands it the report.
    static func deliver(_ message: UnsafePointer<rd_kafka_message_t>) {
        guard let opaque = message.pointee._private else { return }
        Unmanaged<DeliveryCompletion>.fromOpaque(opaque).takeUnretainedValue().report(message)
    }

    func report(_ message: UnsafePointer<rd_kafka_message_t>) {
        preconditionFailure("DeliveryCompletion subclasses handle their reports")
    }

    /// The failure a report says, if any.
    static func failure(of message: UnsafePointer<rd_kafka_message_t>) -> KafkaError? {
        guard message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
        let text = rd_kafka_message_errstr(message).map { String(cString: $0) }
        return KafkaError(
            code: KafkaErrorCode(message.pointee.err), message: text,
            context: "delivering to \(TopicPartition(topic: topic, partition: message.pointee.partition))")
    }
}

/// The completion of one message: retained once per message it is enqueued with (`retainedOpaque`),
/// released by that message's report.
final class MessageDelivery: DeliveryCompletion, @unchecked Sendable {
    private let handler: @Sendable (Result<DeliveryReport, KafkaError>) -> Void

    init(_ handler: @escaping @Sendable (Result<DeliveryReport, KafkaError>) -> Void) {
        self.handler = handler
    }

    /// The opaque for one message; balanced by that message's report.
    func retainedOpaque() -> Unmanaged<DeliveryCompletion> { Unmanaged.passRetained(self) }

    override func report(_ message: UnsafePointer<rd_kafka_message_t>) {
        defer { Unmanaged.passUnretained(self).release() }
        if let failure = Self.failure(of: message) { return handler(.failure(failure)) }
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        handler(.success(DeliveryReport(
            topic: topic, partition: message.pointee.partition, offset: message.pointee.offset,
            timestamp: timestamp >= 0 ? KafkaTimestamp(milliseconds: timestamp) : nil)))
    }
}

/// The completion of one `ProducerBatch`: counts its records' reports down and reports once, success
/// if all were delivered, else the first failure. It keeps the batch's bytes, which librdkafka reads
/// in place, and itself alive until the last report: `start()` retains it once for all records,
/// and the count reaching zero releases it. A success report costs one atomic decrement.
final class BatchDelivery: DeliveryCompletion, @unchecked Sendable {
    private let remaining: ManagedAtomic<Int>
    private let abandoned = ManagedAtomic(false)
    private let firstFailure = NIOLockedValueBox<KafkaError?>(nil)
    private let bytes: ByteBuffer
    private let handler: @Sendable (Result<Void, KafkaError>) -> Void

    init(count: Int, keeping bytes: ByteBuffer, handler: @escaping @Sendable (Result<Void, KafkaError>) -> Void) {
        remaining = ManagedAtomic(count)
        self.bytes = bytes
        self.handler = handler
    }

    /// The opaque all the batch's records carry; the batch is alive until `remaining` reaches zero.
    func start() -> UnsafeMutableRawPointer { Unmanaged<DeliveryCompletion>.passRetained(self).toOpaque() }

    override func report(_ message: UnsafePointer<rd_kafka_message_t>) {
        if let failure = Self.failure(of: message) {
            firstFailure.withLockedValue { $0 = $0 ?? failure }
        }
        countDown(1)
    }

    /// `count` records will never be enqueued (the enqueue failed or was cancelled): the handler is
    /// not called, and the batch is released once the enqueued ones are reported.
    func abandon(_ count: Int) {
        abandoned.store(true, ordering: .sequentiallyConsistent)
        countDown(count)
    }

    private func countDown(_ count: Int) {
        guard count > 0, remaining.wrappingDecrementThenLoad(by: count, ordering: .sequentiallyConsistent) == 0 else { return }
        if !abandoned.load(ordering: .sequentiallyConsistent) {
            handler(firstFailure.withLockedValue { $0 }.map { .failure($0) } ?? .success(()))
        }
        Unmanaged<DeliveryCompletion>.passUnretained(self).release()
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
