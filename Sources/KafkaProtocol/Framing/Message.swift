import NIOCore

/// A Kafka message body (or header) with a codec for each of its versions. Generated types conform;
/// decoding never traps on malformed input, it throws `ProtocolDecodingError`.
public protocol KafkaMessage: Sendable, Equatable {
    /// The versions `init(from:version:)` accepts and `encode(to:version:)` is meant for.
    static var validVersions: ClosedRange<Int16> { get }
    /// Versions using compact strings/arrays and tagged fields; nil = never flexible.
    static var flexibleVersions: PartialRangeFrom<Int16>? { get }
    /// Decodes one value; throws for a version outside `validVersions` and for malformed input.
    init(from buffer: inout ByteBuffer, version: Int16) throws
    /// Encodes the fields present in `version`; fields absent from that version are not written.
    func encode(to writer: inout KafkaWriter, version: Int16)
}

/// A request body, paired at compile time with the response it is answered by.
public protocol KafkaRequest: KafkaMessage {
    associatedtype Response: KafkaResponse
    static var apiKey: ApiKey { get }
}

/// A response body.
public protocol KafkaResponse: KafkaMessage {
    static var apiKey: ApiKey { get }
}
