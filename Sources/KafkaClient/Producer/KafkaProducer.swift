import CRdKafka
import Logging
import NIOConcurrencyHelpers

/// A Kafka producer over librdkafka.
///
/// Guarantees: a message handed to `send` or `enqueue` is never dropped by this wrapper — when
/// librdkafka's queue is full (QUEUE_FULL) the call waits, without blocking a thread, until delivery
/// reports free room. Every enqueued message gets exactly one delivery callback (success, failure,
/// or a purge error at `close`). Delivery reports are served by a dedicated poll thread, never on the
/// Swift cooperative pool. Batching, compression, acks and linger are librdkafka properties in
/// `KafkaConfig` (`linger.ms`, `batch.size`, `compression.codec`, `acks`, …).
public final class KafkaProducer: Sendable {
    private let client: NativeClient
    private let capacity: ProducerCapacity
    private let pollThread: PollThread
    /// True while the producer accepts messages. Every produce attempt holds this lock, so once
    /// `close` has flipped it no message can slip into librdkafka unseen by the final purge.
    private let accepting = NIOLockedValueBox(true)

    public init(config: KafkaConfig, logger: Logger = Logger(label: "logport.kafka.producer")) throws {
        let client = try NativeClient(type: RD_KAFKA_PRODUCER, config: config, callbacks: ClientCallbacks(logger: logger)) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
                if let message { DeliveryCompletion.deliver(message) }
            }
        }
        let capacity = ProducerCapacity()
        self.client = client
        self.capacity = capacity
        self.pollThread = PollThread(name: "kafka-producer-poll") { _ in
            rd_kafka_poll(client.handle, 100)
            capacity.signal()
        }
    }

    deinit {
        let (client, pollThread, capacity, accepting) = (client, pollThread, capacity, accepting)
        BlockingCalls.runDetached {
            Self.shutDown(client: client, pollThread: pollThread, capacity: capacity, accepting: accepting, flushTimeout: .zero)
        }
    }

    /// Produces one record and waits for the broker's acknowledgement.
    public func send(
        topic: String, key: [UInt8]? = nil, value: [UInt8]?, headers: [KafkaHeader] = [],
        partition: Int32? = nil, timestamp: KafkaTimestamp? = nil
    ) async throws -> DeliveryReport {
        try await send(ProducerMessage(topic: topic, key: key, value: value, headers: headers, partition: partition, timestamp: timestamp))
    }

    /// Produces one record and waits for the broker's acknowledgement.
    public func send(_ message: ProducerMessage) async throws -> DeliveryReport {
        let promise = DeliveryPromise()
        try await enqueue(message, onDelivery: promise.fulfil)
        return try await promise.value
    }

    /// Hands a record to librdkafka and returns as soon as it is queued; `onDelivery` runs later, on
    /// the poll thread, exactly once (keep it short). Waits while librdkafka's queue is full.
    /// Throws if the producer is closed, the message is invalid, or the task is cancelled while
    /// waiting for room (then the message was not enqueued and `onDelivery` never runs).
    public func enqueue(_ message: ProducerMessage, onDelivery: @escaping @Sendable (Result<DeliveryReport, KafkaError>) -> Void) async throws {
        try await produce(CollectionOfOne(message), completion: DeliveryCompletion(onDelivery))
    }

    /// Hands records to librdkafka in order and returns once all are queued, waiting while its
    /// queue is full. `onDelivery` runs once, on the poll thread, when the last of them has its
    /// delivery report: success if every record was delivered, else the first failure. One call
    /// per batch instead of per record saves the per-record bookkeeping. Throws like `enqueue`;
    /// records before the one that failed stay queued and `onDelivery` then never runs.
    public func enqueue(batch messages: [ProducerMessage], onDelivery: @escaping @Sendable (Result<Void, KafkaError>) -> Void) async throws {
        guard !messages.isEmpty else { return onDelivery(.success(())) }
        let batch = BatchDelivery(count: messages.count, handler: onDelivery)
        try await produce(messages, completion: DeliveryCompletion(batch.record))
    }

    /// Produces `messages` in order, each carrying one retain of `completion` as its opaque.
    /// Holds the `accepting` lock across as many records as librdkafka takes at once.
    private func produce(_ messages: some RandomAccessCollection<ProducerMessage>, completion: DeliveryCompletion) async throws {
        var next = messages.startIndex
        while next < messages.endIndex {
            let generation = capacity.generation
            let failure: KafkaError? = accepting.withLockedValue { accepting in
                while next < messages.endIndex {
                    let message = messages[next]
                    guard accepting else {
                        return KafkaError(code: .destroyed, message: "the producer is closed", context: "producing to \(message.topic)")
                    }
                    let headers = makeNativeHeaders(message.headers)
                    let opaque = Unmanaged.passRetained(completion)
                    guard let error = client.produceOnce(message, headers: headers, opaque: opaque.toOpaque()) else {
                        next = messages.index(after: next)
                        continue
                    }
                    opaque.release()
                    if let headers { rd_kafka_headers_destroy(headers) }
                    return KafkaError(consuming: error, context: "producing to \(message.topic)")
                }
                return nil
            }
            guard let failure else { return }
            guard failure.code == .queueFull else { throw client.explain(failure) }
            try await capacity.waitForSpace(after: generation)
            try Task.checkCancellation()
        }
    }

    /// Fetches `topic`'s partitions and leaders now. librdkafka learns a topic's metadata when the
    /// first record for it is produced; if that happens while the first broker connection is still
    /// being set up, the records wait for its once-a-second metadata refresh. Call this before
    /// latency-sensitive producing. Throws if the topic's metadata has an error (e.g. it is missing
    /// and `allow.auto.create.topics` is false).
    public func loadMetadata(topic: String, timeout: Duration = .seconds(10)) async throws {
        let client = client
        try await BlockingCalls.run {
            let context = "loading metadata of topic \(topic)"
            guard let topicHandle = rd_kafka_topic_new(client.handle, topic, nil) else {
                throw KafkaError(rd_kafka_last_error(), context: context)
            }
            defer { rd_kafka_topic_destroy(topicHandle) }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            try client.check(rd_kafka_metadata(client.handle, 0, topicHandle, &metadata, timeout.timeoutMilliseconds), context)
            defer { metadata.map(rd_kafka_metadata_destroy) }
            if let metadata, metadata.pointee.topic_cnt > 0, metadata.pointee.topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(metadata.pointee.topics[0].err, context: context)
            }
        }
    }

    /// Messages not yet acknowledged (queued, in flight, or awaiting their delivery callback).
    public var outstandingCount: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Sends everything queued now (ignoring linger) and waits for the acknowledgements; throws
    /// `_TIMED_OUT` if some are still outstanding after `timeout`.
    public func flush(timeout: Duration) async throws {
        let client = client
        let result = try await BlockingCalls.run { rd_kafka_flush(client.handle, timeout.timeoutMilliseconds) }
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw client.explain(KafkaError(
                code: KafkaErrorCode(result),
                message: "\(outstandingCount) message(s) still undelivered after \(timeout)", context: "flushing producer"))
        }
    }

    /// Stops accepting messages, waits up to `flushTimeout` for outstanding ones, then fails whatever is
    /// left with a purge error (so every delivery callback runs) and stops the poll thread.
    public func close(flushTimeout: Duration = .seconds(10)) async {
        let (client, pollThread, capacity, accepting) = (client, pollThread, capacity, accepting)
        _ = try? await BlockingCalls.run {
            Self.shutDown(client: client, pollThread: pollThread, capacity: capacity, accepting: accepting, flushTimeout: flushTimeout)
        }
    }

    private static func shutDown(
        client: NativeClient, pollThread: PollThread, capacity: ProducerCapacity, accepting: NIOLockedValueBox<Bool>, flushTimeout: Duration
    ) {
        let wasAccepting = accepting.withLockedValue { accepting in
            defer { accepting = false }
            return accepting
        }
        guard wasAccepting else { return }
        rd_kafka_flush(client.handle, flushTimeout.timeoutMilliseconds)
        rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        // Purged messages get their delivery reports on the next polls.
        for _ in 0..<50 where rd_kafka_outq_len(client.handle) > 0 {
            rd_kafka_poll(client.handle, 100)
        }
        pollThread.stop()
        capacity.signal()
    }
}
