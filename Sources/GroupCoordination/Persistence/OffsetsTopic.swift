import KafkaProtocol

/// The internal, compacted topic that stores group metadata and committed offsets.
public enum OffsetsTopic {
    public static let name = "__consumer_offsets"

    /// The partition that holds `groupID`'s records, chosen as Kafka chooses it
    /// (`Utils.abs(groupId.hashCode) % partitions`), so tools that read the topic find each group where Kafka would put it.
    public static func partition(for groupID: String, partitionCount: Int32) -> PartitionIndex {
        guard partitionCount > 0 else { return PartitionIndex(0) }
        let hash = javaHashCode(groupID)
        // Kafka's Utils.abs maps Int32.min to 0 rather than overflowing.
        let positive = hash == Int32.min ? 0 : abs(hash)
        return PartitionIndex(positive % partitionCount)
    }

    /// Java's `String.hashCode`: over UTF-16 code units, wrapping.
    static func javaHashCode(_ string: String) -> Int32 {
        string.utf16.reduce(Int32(0)) { hash, unit in hash &* 31 &+ Int32(unit) }
    }
}
