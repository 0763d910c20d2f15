import KafkaClient
import LogAgent
import Logging
import NIOConcurrencyHelpers

/// An `EventSink` that produces each event as one Kafka record through librdkafka.
///
/// Guarantees (at-least-once): an event's receipt is acknowledged only from a successful delivery
/// report, so a file source's checkpoint never passes a line Kafka does not have. librdkafka
/// retries failed sends itself until `message.timeout.ms`; a delivery that still fails is never
/// acknowledged, and the next `write` (or `close`) throws it, which stops the pipeline: the
/// checkpoint stays before the failed line and a restart sends it again. Records keep the event's
/// order per key (see `KafkaSinkProperties`). `write` suspends while librdkafka's queue is full.
///
/// Record layout: value per `encoding`; key from `key_field`; timestamp the event's; headers
/// `source`, `host`, and `service` when set. An event whose topic template cannot be rendered (a
/// placeholder field is missing) goes to `unroutedTopic` with a `topic_template` header rather
/// than being dropped or blocking the checkpoint.
public final class KafkaEventSink: EventSink {
    public static let unroutedTopic = "logport-agent-unrouted"

    private let config: KafkaSinkConfig
    private let producer: KafkaProducer
    private let flushTimeout: Duration
    private let logger: Logger
    private let firstFailure = NIOLockedValueBox<KafkaError?>(nil)
    private let counters: AgentMetrics.SinkCounters?
    /// Whether a record's topic or key depends on the line's text, so lines cannot share them.
    private let recordShapeReadsLineText: Bool

    /// `flushTimeout` bounds how long `close` waits for outstanding deliveries; `counters`, when
    /// given, count deliveries.
    public init(
        name: String, config: KafkaSinkConfig, flushTimeout: Duration = .seconds(30),
        counters: AgentMetrics.SinkCounters? = nil, logger: Logger = Logger(label: "logport.agent.kafka")
    ) throws {
        self.counters = counters
        self.config = config
        recordShapeReadsLineText = (config.topic.fields + [config.keyField].compactMap { $0 }).contains { $0 == .message || $0 == .raw }
        self.flushTimeout = flushTimeout
        self.logger = logger
        producer = try KafkaProducer(config: KafkaSinkProperties.make(for: config, clientID: "logport-agent-\(name)"), logger: logger)
    }

    public func write(_ batch: EventBatch) async throws {
        try throwFirstFailure()
        guard !batch.isEmpty else { return }
        let records = records(for: batch)
        let count = batch.count
        // Only the receipts wait for the delivery report, not the events (nor a block's line table).
        let receipts = batch.receipts
        // Counted before the enqueue, as its delivery report may arrive before the enqueue returns.
        counters?.inFlight.increment(by: Double(count))
        // One delivery callback for the batch: its receipts are acknowledged together once every
        // record of the batch is delivered; after a failure none is (the checkpoint stays before it).
        do {
            try await producer.enqueue(records) { [firstFailure, logger, counters] result in
                counters?.inFlight.decrement(by: Double(count))
                switch result {
                case .success:
                    counters?.sent.increment(by: Int64(count))
                    for receipt in receipts { receipt.acknowledge() }
                case .failure(let error):
                    counters?.failed.increment(by: Int64(count))
                    logger.error("delivery failed; the batch's events stay unacknowledged", metadata: ["error": "\(error)"])
                    firstFailure.withLockedValue { $0 = $0 ?? error }
                }
            }
        } catch {
            counters?.inFlight.decrement(by: Double(count))
            throw error
        }
    }

    public func close() async throws {
        do {
            try await producer.flush(timeout: flushTimeout)
        } catch {
            logger.warning("flush at shutdown incomplete; undelivered events are sent again after a restart",
                           metadata: ["error": "\(error)"])
        }
        await producer.close(flushTimeout: .zero)
        try throwFirstFailure()
    }

    private func throwFirstFailure() throws {
        if let failure = firstFailure.withLockedValue({ $0 }) { throw failure }
    }

    /// The records of a batch. Lines shipped raw are produced from their read buffer in place,
    /// sharing one topic, key and header list (what they have in common, from the source); other
    /// batches are encoded event by event into the batch's buffer.
    func records(for batch: EventBatch) -> ProducerBatch {
        if let lines = batch.lines, config.encoding == .raw, !recordShapeReadsLineText {
            var headers = HeaderCache()
            let shape = shape(of: LogAgent.LogEvent(timestamp: lines.timestamp, host: lines.host, source: lines.source, message: ""),
                              headers: &headers)
            var records = ProducerBatch(bytes: lines.bytes, expectedCount: lines.count)
            let key = shape.key.map { records.writeKey($0) }
            for line in lines.lines {
                records.append(topic: shape.topic, key: key, value: ProducerBatch.Slice(offset: line.offset, count: line.count),
                               headers: shape.headers, timestamp: shape.timestamp)
            }
            return records
        }
        var records = ProducerBatch(expectedCount: batch.count)
        var headers = HeaderCache()
        var encoder = EventEncoding.Encoder(config.encoding)
        var value: [UInt8] = []
        let events = batch.events
        // By index: iterating would copy every event (a retain of each of its strings).
        for index in events.indices {
            let shape = shape(of: events[index].event, headers: &headers)
            value.removeAll(keepingCapacity: true)
            encoder.encode(events[index].event, into: &value)
            records.append(topic: shape.topic, key: shape.key.map { records.writeKey($0) }, value: records.write(value),
                           headers: shape.headers, timestamp: shape.timestamp)
        }
        return records
    }

    /// Everything of an event's record but its value.
    private struct RecordShape {
        let topic: String
        let key: [UInt8]?
        let headers: [KafkaHeader]
        let timestamp: KafkaTimestamp
    }

    private func shape(of event: LogAgent.LogEvent, headers cache: inout HeaderCache) -> RecordShape {
        var headers = config.sendsHeaders ? cache.headers(for: event) : []
        let topic: String
        if let rendered = config.topic.render(event) {
            topic = rendered
        } else {
            topic = Self.unroutedTopic
            headers.append(KafkaHeader(key: "topic_template", value: config.topic.description))
        }
        return RecordShape(topic: topic, key: config.key(for: event), headers: headers, timestamp: KafkaTimestamp(milliseconds: event.timestamp))
    }
}

/// The `source`, `host` and `service` headers of the last event, reused while the next events
/// have the same values (all lines of one file do), so a batch converts them to bytes once.
private struct HeaderCache {
    private var last: (source: String, host: String, service: String?, headers: [KafkaHeader])?

    mutating func headers(for event: LogAgent.LogEvent) -> [KafkaHeader] {
        if let last, last.source == event.source, last.host == event.host, last.service == event.service {
            return last.headers
        }
        var headers = [KafkaHeader(key: "source", value: event.source), KafkaHeader(key: "host", value: event.host)]
        if let service = event.service { headers.append(KafkaHeader(key: "service", value: service)) }
        last = (event.source, event.host, event.service, headers)
        return headers
    }
}
