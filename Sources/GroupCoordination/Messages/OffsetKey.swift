import KafkaProtocol

/// The partition a committed offset belongs to, within its group.
public struct OffsetKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: PartitionIndex

    public init(topic: String, partition: PartitionIndex) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: OffsetKey, rhs: OffsetKey) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)-\(partition.rawValue)" }
}
