import CRdKafka

/// An `rd_kafka_topic_partition_list_t` built from Swift values, destroyed when this value ends.
struct PartitionList: ~Copyable {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(_ offsets: [TopicPartition: Int64]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: offsets.count))
        for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            rd_kafka_topic_partition_list_add(pointer, partition.topic, partition.partition).pointee.offset = offset
        }
    }

    init(_ partitions: [TopicPartition], offset: KafkaOffset = .invalid) {
        self.init(Dictionary(partitions.map { ($0, offset.rawValue) }, uniquingKeysWith: { first, _ in first }))
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }
}

/// One element of a partition list librdkafka returned.
struct PartitionListEntry: Sendable {
    var topicPartition: TopicPartition
    var offset: Int64
    var error: KafkaErrorCode
}

/// Copies the elements of a list librdkafka owns.
func partitionListEntries(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [PartitionListEntry] {
    guard let list, let elements = list.pointee.elems else { return [] }
    return (0..<Int(list.pointee.cnt)).map { index in
        let element = elements[index]
        return PartitionListEntry(
            topicPartition: TopicPartition(topic: String(cString: element.topic), partition: element.partition),
            offset: element.offset, error: KafkaErrorCode(element.err))
    }
}

/// The first per-partition error in `entries`, as a KafkaError naming the partition.
func firstPartitionError(_ entries: [PartitionListEntry], doing what: String) -> KafkaError? {
    entries.first { $0.error != .noError }.map {
        KafkaError(code: $0.error, context: "\(what) \($0.topicPartition)")
    }
}
