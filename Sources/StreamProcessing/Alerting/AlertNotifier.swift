import Foundation
import Logging

/// Delivers alert state changes somewhere a person or system will see them.
public protocol AlertNotifier: Sendable {
    func notify(_ alerts: [AlertEvent]) async throws
}

/// A record to publish: topic, key (partitioning and order), value.
public struct OutgoingRecord: Hashable, Sendable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    /// nil: the producer's partitioner chooses by key.
    public var partition: Int32?

    public init(topic: String, key: [UInt8]?, value: [UInt8], partition: Int32? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.partition = partition
    }
}

/// Publishes records to Kafka: the seam the librdkafka producer implements.
public protocol RecordPublisher: Sendable {
    /// Hands the records to the producer, in order, and returns once they are queued; the acknowledgement
    /// completes once the broker has every one of them (or fails with the first failure). Records of one
    /// key (or partition) keep the order of the calls.
    func hand(_ records: [OutgoingRecord]) async throws -> PublishAcknowledgement
}

extension RecordPublisher {
    /// Returns once every record is acknowledged.
    public func publish(_ records: [OutgoingRecord]) async throws {
        try await hand(records).completion()
    }
}

/// Waits for the broker's acknowledgement of records handed to a producer.
public struct PublishAcknowledgement: Sendable {
    private let wait: @Sendable () async throws -> Void

    public init(_ wait: @escaping @Sendable () async throws -> Void) {
        self.wait = wait
    }

    /// Already acknowledged.
    public static let done = PublishAcknowledgement {}

    public func completion() async throws {
        try await wait()
    }
}

public enum NotifierError: Error, CustomStringConvertible {
    case webhookRejected(url: String, status: Int, body: String)

    public var description: String {
        switch self {
        case .webhookRejected(let url, let status, let body): return "webhook \(url) answered HTTP \(status): \(body)"
        }
    }
}

/// POSTs `{"alerts":[...]}` as JSON; a non-2xx answer is an error (the runner retries or reports it).
public struct WebhookNotifier: AlertNotifier {
    public let url: String
    public let headers: [String: String]
    private let transport: any HTTPTransport

    public init(url: String, headers: [String: String] = [:], transport: any HTTPTransport) {
        self.url = url
        self.headers = headers
        self.transport = transport
    }

    public func request(for alerts: [AlertEvent]) throws -> OutgoingHTTPRequest {
        struct Payload: Encodable { var alerts: [AlertEvent] }
        var allHeaders = headers
        allHeaders["Content-Type"] = "application/json"
        return OutgoingHTTPRequest(method: "POST", url: url, headers: allHeaders,
                                   body: [UInt8](try JSONEncoder.sorted.encode(Payload(alerts: alerts))))
    }

    public func notify(_ alerts: [AlertEvent]) async throws {
        guard !alerts.isEmpty else { return }
        let response = try await transport.send(try request(for: alerts))
        guard (200..<300).contains(response.status) else {
            throw NotifierError.webhookRejected(url: url, status: response.status, body: response.bodyText)
        }
    }
}

/// Publishes each alert event as JSON to a topic, keyed by alert id so one alert's events stay in order.
public struct KafkaTopicNotifier: AlertNotifier {
    public let topic: String
    private let publisher: any RecordPublisher

    public init(topic: String, publisher: any RecordPublisher) {
        self.topic = topic
        self.publisher = publisher
    }

    public func notify(_ alerts: [AlertEvent]) async throws {
        try await publisher.publish(try alerts.map { alert in
            OutgoingRecord(topic: topic, key: Array(alert.id.utf8), value: [UInt8](try JSONEncoder.sorted.encode(alert)))
        })
    }
}

/// Logs each alert event: firing as warning, resolved as notice.
public struct LogNotifier: AlertNotifier {
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func notify(_ alerts: [AlertEvent]) async throws {
        for alert in alerts {
            logger.log(level: alert.state == .firing ? .warning : .notice, "\(alert.message)",
                       metadata: ["alert_id": "\(alert.id)", "rule": "\(alert.rule)", "severity": "\(alert.severity)"])
        }
    }
}

extension JSONEncoder {
    /// Sorted keys: the same value always encodes to the same bytes (tests, diffs).
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
