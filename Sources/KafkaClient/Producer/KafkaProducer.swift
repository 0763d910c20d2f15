import CRdKafka
import Logging
import NIOConcurrencyHelpers
import NIOCore

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
    /// Whether the producer accepts messages, and its topic handles. Every produce attempt holds
    /// this lock, so once `close` has flipped it no message can slip into librdkafka unseen by the
    /// final purge, and no topic handle is used after it is destroyed.
    private let producing = NIOLockedValueBox(ProducingState())

    public init(config: KafkaConfig, logger: Logger = Logger(label: "logport.kafka.producer")) throws {
        let client = try NativeClient(type: RD_KAFKA_PRODUCER, config: config, callbacks: ClientCallbacks(logger: logger)) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
                if let message { DeliveryCompletion.deliver(message) }
            }
        }
        let capacity = ProducerCapacity()
        self.client = client
        self.capacity = capacity
        self.pollThread = PollThread(name: "kafka-producer") { _ in
            rd_kafka_poll(client.handle, 100)
            capacity.signal()
        }
    }

    deinit {
        let (client, pollThread, capacity, producing) = (client, pollThread, capacity, producing)
        BlockingCalls.runDetached {
            Self.shutDown(client: client, pollThread: pollThread, capacity: capacity, producing: producing, flushTimeout: .zero)
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
        let completion = MessageDelivery(onDelivery)
        let context = "producing to \(message.topic)"
        try await produceWaitingForRoom(count: 1, context: { _ in context }) { _, _ in
            let headers = makeNativeHeaders(message.headers)
            let opaque = completion.retainedOpaque()
            guard let error = client.produceOnce(message, headers: headers, opaque: opaque.toOpaque()) else { return nil }
            opaque.release()
            if let headers { rd_kafka_headers_destroy(headers) }
            return KafkaError(consuming: error, context: context)
        }
    }

    /// Hands a batch's records to librdkafka in order and returns once all are queued, waiting while
    /// its queue is full. librdkafka reads the values in place from `batch.bytes`, which the producer
    /// keeps alive until the last delivery report. `onDelivery` runs once, on the poll thread, when
    /// the last record has its report: success if every record was delivered, else the first
    /// failure. Throws like `enqueue`; records before the one that failed stay queued and
    /// `onDelivery` then never runs.
    public func enqueue(_ batch: ProducerBatch, onDelivery: @escaping @Sendable (Result<Void, KafkaError>) -> Void) async throws {
        guard !batch.isEmpty else { return onDelivery(.success(())) }
        let completion = BatchDelivery(count: batch.count, keeping: batch.bytes, handler: onDelivery)
        let opaque = completion.start()
        // One native header list per distinct list in the batch, copied for each record (librdkafka
        // takes each record's list).
        let headerLists = batch.headerLists.map(makeNativeHeaders)
        defer { for list in headerLists { list.map(rd_kafka_headers_destroy) } }
        var enqueued = 0
        let context = { (index: Int) in "producing to \(batch.topics[batch.records[index].topic])" }
        do {
            try await produceWaitingForRoom(count: batch.count, context: context) { index, state in
                let record = batch.records[index]
                guard let topic = state.topicHandle(batch.topics[record.topic], in: client) else {
                    return KafkaError(rd_kafka_last_error(), context: context(index))
                }
                let headers = record.headers.flatMap { headerLists[$0] }.flatMap { rd_kafka_headers_copy($0) }
                // The storage stays valid after this closure: `completion` holds the buffer, so it is
                // neither freed nor written to (a write through another copy would copy it first).
                let error = batch.bytes.withUnsafeReadableBytes { values in
                    batch.keyBytes.withUnsafeReadableBytes { keys in
                        client.produce(
                            topic: .handle(topic), partition: record.partition, value: record.value.map { values.nullableSlice($0) },
                            ownership: .borrowed, key: record.key.map { keys.nullableSlice($0) }, timestamp: record.timestamp,
                            headers: headers, opaque: opaque)
                    }
                }
                guard let error else {
                    enqueued += 1
                    return nil
                }
                if let headers { rd_kafka_headers_destroy(headers) }
                return KafkaError(consuming: error, context: context(index))
            }
        } catch {
            completion.abandon(batch.count - enqueued)
            throw error
        }
    }

    /// Calls `produce` for record indexes `0..<count` in order, each returning nil once librdkafka took
    /// the record, else why not. Holds the `producing` lock across as many records as
    /// librdkafka takes at once; on QUEUE_FULL waits for room and goes on with the same record.
    private func produceWaitingForRoom(
        count: Int, context: (Int) -> String, _ produce: (Int, inout ProducingState) -> KafkaError?
    ) async throws {
        var next = 0
        while next < count {
            let generation = capacity.generation
            let failure: KafkaError? = producing.withLockedValue { state in
                while next < count {
                    guard state.accepting else { return KafkaError(code: .destroyed, message: "the producer is closed", context: context(next)) }
                    guard let error = produce(next, &state) else {
                        next += 1
                        continue
                    }
                    return error
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
        let (client, pollThread, capacity, producing) = (client, pollThread, capacity, producing)
        _ = try? await BlockingCalls.run {
            Self.shutDown(client: client, pollThread: pollThread, capacity: capacity, producing: producing, flushTimeout: flushTimeout)
        }
    }

    private static func shutDown(
        client: NativeClient, pollThread: PollThread, capacity: ProducerCapacity, producing: NIOLockedValueBox<ProducingState>,
        flushTimeout: Duration
    ) {
        let wasAccepting = producing.withLockedValue { state in
            defer { state.stop() }
            return state.accepting
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

/// What `KafkaProducer.producing` guards.
struct ProducingState: Sendable {
    /// A librdkafka topic handle. `@unchecked Sendable`: librdkafka's topic handles are thread-safe;
    /// this one is used and destroyed only under the producer's lock.
    struct TopicHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private(set) var accepting = true
    /// Handles by topic name, made on first use: producing by handle spares librdkafka a lookup of
    /// the topic by name for every record.
    private var topics: [String: TopicHandle] = [:]

    /// The handle of `name`; nil (with `rd_kafka_last_error()` set) when librdkafka refuses the name.
    mutating func topicHandle(_ name: String, in client: NativeClient) -> OpaquePointer? {
        if let known = topics[name] { return known.pointer }
        guard let created = rd_kafka_topic_new(client.handle, name, nil) else { return nil }
        topics[name] = TopicHandle(pointer: created)
        return created
    }

    /// No more records: destroys the topic handles (enqueued records hold their own references).
    mutating func stop() {
        accepting = false
        for handle in topics.values { rd_kafka_topic_destroy(handle.pointer) }
        topics = [:]
    }
}
