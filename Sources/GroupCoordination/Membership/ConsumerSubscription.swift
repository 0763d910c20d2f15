import KafkaProtocol
import NIOCore

/// Reads the topics out of a consumer's JoinGroup metadata (ConsumerProtocolSubscription).
/// Like Kafka, it parses only the version-0 prefix (version, topics) that every version starts
/// with, so subscriptions from newer clients read too.
enum ConsumerSubscription {
    /// The protocol type consumers join with.
    static let protocolType = "consumer"

    /// The subscribed topics, or nil if the metadata is not a consumer subscription.
    static func topics(in metadata: ByteBuffer) -> Set<String>? {
        var buffer = metadata
        do {
            _ = try buffer.readKafkaInt16()
            guard let count = try buffer.readArrayCount(compact: false) else { return nil }
            var topics: Set<String> = []
            for _ in 0..<count { topics.insert(try buffer.readKafkaString(compact: false)) }
            return topics
        } catch {
            return nil
        }
    }
}
