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

    /// `flushTimeout` bounds how long `close` waits for outstanding deliveries; `counters`, when
    /// given, count deliveries.
    public init(
        name: String, config: KafkaSinkConfig, flushTimeout: Duration = .seconds(30),
        counters: AgentMetrics.SinkCounters? = nil, logger: Logger = Logger(label: "logport.agent.kafka")
    ) throws {
        self.counters = counters
        self.config = config
        self.flushTimeout = flushTimeout
        self.logger = logger
        producer = try KafkaProducer(config: KafkaSinkProperties.make(for: config, clientID: "logport-agent-\(name)"), logger: logger)
    }

    public func write(_ events: [PipelineEvent]) async throws {
        try throwFirstFailure()
        var headers = HeaderCache()
        let messages = events.map { record(for: $0.event, headers: &headers) }
        let receipts = events.map(\.receipt)
        let count = Double(events.count)
        // Counted before the enqueue, as its delivery report may arrive before the enqueue returns.
        counters?.inFlight.increment(by: count)
        // One delivery callback for the batch: the receipts are acknowledged together once every
        // record of the batch is delivered; after a failure none is (the checkpoint stays before it).
        do {
            try await producer.enqueue(batch: messages) { [firstFailure, logger, counters] result in
                counters?.inFlight.decrement(by: count)
                switch result {
                case .success:
                    counters?.sent.increment(by: Int64(receipts.count))
                    for receipt in receipts { receipt.acknowledge() }
                case .failure(let error):
                    counters?.failed.increment(by: Int64(receipts.count))
                    logger.error("delivery failed; the batch's events stay unacknowledged", metadata: ["error": "\(error)"])
                    firstFailure.withLockedValue { $0 = $0 ?? error }
                }
            }
        } catch {
            counters?.inFlight.decrement(by: count)
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

    func record(for event: LogAgent.LogEvent) -> ProducerMessage {
        var headers = HeaderCache()
        return record(for: event, headers: &headers)
    }

    private func record(for event: LogAgent.LogEvent, headers cache: inout HeaderCache) -> ProducerMessage {
        var headers = cache.headers(for: event)
        let topic: String
        if let rendered = config.topic.render(event) {
            topic = rendered
        } else {
            topic = Self.unroutedTopic
            headers.append(KafkaHeader(key: "topic_template", value: config.topic.description))
        }
        return ProducerMessage(
            topic: topic, key: config.key(for: event), value: config.encoding.encode(event), headers: headers,
            timestamp: KafkaTimestamp(milliseconds: event.timestamp))
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
