import KafkaClient
import StreamProcessing

/// Publishes sink rows and alert events through a librdkafka producer; `publish` returns once the broker
/// acknowledged the record, which is what `KafkaSink.flush` relies on.
public struct KafkaRecordPublisher: RecordPublisher {
    private let producer: KafkaProducer

    public init(producer: KafkaProducer) {
        self.producer = producer
    }

    /// `acks=all` over `base`: a row counts as written once every in-sync replica has it.
    public static func producerConfig(base: KafkaConfig, clientID: String) -> KafkaConfig {
        var config = base
        config.clientID = config.clientID ?? clientID
        config.acks = .all
        return config
    }

    public func publish(topic: String, key: [UInt8]?, value: [UInt8]) async throws {
        _ = try await producer.send(topic: topic, key: key, value: value)
    }
}
