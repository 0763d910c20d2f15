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
            guard let log = storage.partition(topic: OffsetsTopic.name, index: partition) else { continue }
            var next = log.offsets.logStartOffset
            let end = log.offsets.highWatermark
            while next < end {
                let read = try log.read(from: next, maxBytes: readChunkBytes, minOneBatch: true)
                defer { read.release?() }
                let bytes = try contents(of: read.records, partition: partition, offset: next)
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

    /// The bytes of a read, copied out of the segment file when storage hands a file region.
    private static func contents(of records: RecordsPayload?, partition: PartitionIndex, offset: Offset) throws -> ByteBuffer {
        switch records {
        case nil:
            return ByteBuffer()
        case .memory(let buffer):
            return buffer
        case .file(let region):
            var buffer = ByteBufferAllocator().buffer(capacity: region.readableBytes)
            let read = try region.fileHandle.withUnsafeFileDescriptor { descriptor in
                try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: region.readableBytes) { pointer in
                    var done = 0
                    while done < region.readableBytes {
                        let count = pread(descriptor, pointer.baseAddress! + done, region.readableBytes - done, off_t(region.readerIndex + done))
                        guard count > 0 else {
                            throw GroupStorageError("cannot read \(OffsetsTopic.name)-\(partition) at offset \(offset): pread returned \(count), errno \(errno)")
                        }
                        done += count
                    }
                    return done
                }
            }
            guard read == region.readableBytes else {
                throw GroupStorageError("short read of \(OffsetsTopic.name)-\(partition) at offset \(offset)")
            }
            return buffer
        }
    }
}
