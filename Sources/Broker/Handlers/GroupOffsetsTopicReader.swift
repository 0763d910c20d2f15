import Foundation
import GroupCoordination
import KafkaProtocol
import KafkaRecords
import NIOCore

/// Reads `__consumer_offsets` from start to end, partition by partition, into a `GroupStateLoader`.
/// Blocking: runs on the storage threads at broker start.
enum GroupOffsetsTopicReader {
    static let readChunkBytes = 1 << 20

    static func load(from storage: any TopicStorage, partitions: Int32) throws -> GroupStateLoader {
        var loader = GroupStateLoader()
        for index in 0..<partitions {
            let partition = PartitionIndex(index)
            guard let log = storage.partitionStorage(topic: OffsetsTopic.name, index: partition) else { continue }
            let offsets = try log.offsets
            var next = offsets.logStartOffset
            while next < offsets.highWatermark {
                let bytes = try log.readIntoMemory(from: next, maxBytes: readChunkBytes)
                let batches = try RecordBatch.readAll(from: bytes)
                guard let last = batches.last else { break }
                for batch in batches where batch.header.lastOffset >= next {
                    try loader.apply(batch, partition: partition)
                }
                next = last.header.lastOffset + 1
            }
        }
        return loader
    }
}
