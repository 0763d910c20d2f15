import KafkaProtocol

/// A partition's identity, and the name of its directory in the data directory (`<topic>-<partition>`,
/// as Kafka names it).
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: PartitionIndex

    public init(topic: String, partition: PartitionIndex) {
        self.topic = topic
        self.partition = partition
    }

    public var directoryName: String { "\(topic)-\(partition.rawValue)" }
    public var description: String { directoryName }

    /// Parses a directory name; the topic is everything before the last dash, so topics may contain dashes.
    public init?(directoryName: String) {
        guard let dash = directoryName.lastIndex(of: "-") else { return nil }
        let topic = String(directoryName[..<dash])
        let digits = directoryName[directoryName.index(after: dash)...]
        guard !topic.isEmpty, !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
            let index = Int32(digits)
        else { return nil }
        self.init(topic: topic, partition: PartitionIndex(index))
    }
}
