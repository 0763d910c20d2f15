import CRdKafka
import Foundation

/// An `rd_kafka_topic_partition_list_t` built from Swift values, destroyed when this value ends.
struct PartitionList: ~Copyable {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(_ offsets: [TopicPartition: Int64]) {
        self.init(positions: offsets.mapValues { CommitPosition(offset: $0) })
    }

    /// Offsets with the metadata text the group stores beside each; librdkafka frees the copies with the list.
    init(positions: [TopicPartition: CommitPosition]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: positions.count))
        for (partition, position) in positions.sorted(by: { $0.key < $1.key }) {
            guard let element = rd_kafka_topic_partition_list_add(pointer, partition.topic, partition.partition) else { continue }
            element.pointee.offset = position.offset
            guard let metadata = position.metadata, !metadata.isEmpty else { continue }
            let bytes = Array(metadata.utf8)
            guard let copy = malloc(bytes.count) else { continue }
            bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            element.pointee.metadata = copy
            element.pointee.metadata_size = bytes.count
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
    var metadata: String?
}

/// Copies the elements of a list librdkafka owns.
func partitionListEntries(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [PartitionListEntry] {
    guard let list, let elements = list.pointee.elems else { return [] }
    return (0..<Int(list.pointee.cnt)).map { index in
        let element = elements[index]
        return PartitionListEntry(
            topicPartition: TopicPartition(topic: String(cString: element.topic), partition: element.partition),
            offset: element.offset, error: KafkaErrorCode(element.err),
            metadata: element.metadata.flatMap { bytes in
                element.metadata_size == 0 ? nil
                    : String(decoding: UnsafeRawBufferPointer(start: bytes, count: element.metadata_size), as: UTF8.self)
            })
    }
}

/// The first per-partition error in `entries`, as a KafkaError naming the partition.
func firstPartitionError(_ entries: [PartitionListEntry], doing what: String) -> KafkaError? {
    entries.first { $0.error != .noError }.map {
        KafkaError(code: $0.error, context: "\(what) \($0.topicPartition)")
    }
}
