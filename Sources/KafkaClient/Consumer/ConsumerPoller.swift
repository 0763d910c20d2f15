import CRdKafka
import Logging

/// One turn of a consumer's poll thread: store the positions readers reached, fetch a batch (waiting
/// up to 100 ms for its first message), turn error messages into events, append the batch to the
/// buffer, and wait while the buffer is full.
struct ConsumerPoller: Sendable {
    enum Source: Sendable {
        /// The high-level consumer queue: group messages, plus rebalance and error callbacks.
        case group
        /// Partitions read without a group; error callbacks stay on the main queue.
        case standalone(StandalonePartitions)
    }

    static let batchLimit = 512

    let client: NativeClient
    let source: Source
    /// Held while a batch is fetched and appended (not while waiting for room), and by `reposition`.
    let fetch: FetchInProgress
    let events: AsyncStream<KafkaConsumerEvent>.Continuation
    /// Whether this wrapper stores offsets as readers take messages (see `KafkaConsumer`).
    let storesPositions: Bool

    var buffer: ConsumedMessageBuffer { fetch.buffer }

    func pollOnce(while running: () -> Bool) {
        if storesPositions { storeReadPositions() }
        fetch.withLock {
            var next = poll(timeoutMilliseconds: 100)
            while let message = next {
                handle(message)
                next = fetch.pendingCount < Self.batchLimit ? poll(timeoutMilliseconds: 0) : nil
            }
            fetch.appendPending()
        }
        buffer.waitWhileFull(keepWaiting: running)
    }

    /// Runs `change` (a seek or assign) while no batch is being fetched, then drops the unread
    /// messages it made stale. From the change on, librdkafka itself drops messages fetched for the
    /// old position, so nothing stale slips in afterwards and nothing current is dropped.
    /// Returns the read generation of the messages that follow the change (see `ConsumedMessage.readGeneration`).
    @discardableResult
    func reposition(discarding shouldDrop: (TopicPartition) -> Bool, _ change: () throws(KafkaError) -> Void) throws(KafkaError) -> UInt64 {
        try fetch.withLock { () throws(KafkaError) in
            try change()
            return buffer.discard(where: shouldDrop)
        }
    }

    func storeReadPositions() {
        storeTakenPositions(handle: client.handle, buffer: buffer, logger: client.callbacks.logger)
    }

    private func poll(timeoutMilliseconds: Int32) -> UnsafeMutablePointer<rd_kafka_message_t>? {
        switch source {
        case .group:
            return rd_kafka_consumer_poll(client.handle, timeoutMilliseconds)
        case .standalone(let partitions):
            rd_kafka_poll(client.handle, 0)
            return partitions.poll(timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    private func handle(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        defer { rd_kafka_message_destroy(message) }
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) }
        let code = message.pointee.err
        if code == RD_KAFKA_RESP_ERR_NO_ERROR, let topic {
            fetch.add(ConsumedMessage(copying: message, topic: topic))
            return
        }
        let partition = topic.map { TopicPartition(topic: $0, partition: message.pointee.partition) }
        if code == RD_KAFKA_RESP_ERR__PARTITION_EOF, let partition {
            events.yield(.partitionEOF(partition, offset: message.pointee.offset))
            return
        }
        let text = rd_kafka_message_errstr(message).map { String(cString: $0) }
        let error = KafkaError(code: KafkaErrorCode(code), message: text, context: partition.map { "consuming \($0)" } ?? "consuming")
        if code == RD_KAFKA_RESP_ERR__FATAL {
            var reason = ErrorTextBuffer()
            let underlying = rd_kafka_fatal_error(client.handle, &reason.bytes, reason.bytes.count)
            buffer.finish(KafkaError(code: KafkaErrorCode(underlying), message: reason.text, context: "consumer", isFatal: true))
        } else {
            events.yield(.error(error))
        }
    }
}

/// Hands librdkafka the offsets after the messages readers have taken, so auto-commit and `commit()`
/// cover exactly what the application received, not what still sits unread in the buffer.
func storeTakenPositions(handle: OpaquePointer, buffer: ConsumedMessageBuffer, logger: Logger) {
    let positions = buffer.takePositions()
    guard !positions.isEmpty else { return }
    let list = PartitionList(positions)
    let result = rd_kafka_offsets_store(handle, list.pointer)
    if result != RD_KAFKA_RESP_ERR_NO_ERROR {
        // Partitions revoked meanwhile cannot be stored; their next owner re-reads from the last commit.
        logger.debug("not storing offsets \(positions): \(KafkaErrorCode(result).text)")
    }
}
