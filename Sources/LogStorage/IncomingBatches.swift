import KafkaProtocol
import KafkaRecords
import NIOCore

/// The record batches of one append, split at batch boundaries and checked from their headers
/// alone: the broker stores what producers send and never decodes records it only stores.
struct IncomingBatches {
    private(set) var buffer: ByteBuffer
    /// Each batch's header and absolute index in `buffer`.
    private(set) var batches: [(position: Int, header: RecordBatchHeader)]

    var byteCount: Int { buffer.readableBytes }
    var lastOffset: Offset { batches[batches.count - 1].header.lastOffset }
    var recordCount: Int { batches.reduce(0) { $0 + Int($1.header.lastOffsetDelta) + 1 } }

    /// Splits `buffer` into whole magic-v2 batches. Throws when it is empty, ends inside a batch,
    /// holds a batch larger than `maxBatchBytes`, or a batch's offset delta disagrees with its count.
    init(_ buffer: ByteBuffer, partition: TopicPartition, maxBatchBytes: Int) throws {
        self.buffer = buffer
        self.batches = []
        var position = buffer.readerIndex
        while position < buffer.writerIndex {
            let remaining = buffer.writerIndex - position
            guard let header = RecordBatchHeader.peek(buffer, at: position) else {
                throw LogError.invalidRecords(partition, reason: "\(remaining) trailing bytes are not a batch header")
            }
            if let problem = OpenFile.structuralProblem(of: header, remaining: remaining) {
                throw LogError.invalidRecords(partition, reason: "\(problem) at byte \(position - buffer.readerIndex)")
            }
            guard header.totalSize <= maxBatchBytes else {
                throw LogError.batchTooLarge(partition, size: header.totalSize, limit: maxBatchBytes, key: "max.message.bytes")
            }
            guard header.recordCount == header.lastOffsetDelta + 1 else {
                throw LogError.invalidRecords(
                    partition, reason: "batch declares \(header.recordCount) records but a last offset delta of \(header.lastOffsetDelta)")
            }
            batches.append((position, header))
            position += header.totalSize
        }
        guard !batches.isEmpty else { throw LogError.invalidRecords(partition, reason: "no record batch") }
    }

    /// Gives the batches consecutive offsets from `firstOffset` and stamps the leader epoch, by
    /// patching the two header fields that lie outside the CRC.
    mutating func assignOffsets(from firstOffset: Offset, leaderEpoch: LeaderEpoch) {
        var next = firstOffset
        for index in batches.indices {
            let position = batches[index].position
            buffer.setInteger(next.rawValue, at: position)
            buffer.setInteger(leaderEpoch.rawValue, at: position + RecordBatchHeader.partitionLeaderEpochOffset)
            batches[index].header.baseOffset = next
            batches[index].header.partitionLeaderEpoch = leaderEpoch
            next = batches[index].header.nextOffset
        }
    }

    /// Marks every batch as LogAppendTime with `now` as its max timestamp (what consumers then
    /// read as every record's timestamp). These fields are covered by the CRC, so it is recomputed.
    mutating func stampLogAppendTime(_ now: Int64) {
        let logAppendTimeFlag: Int16 = 0x08
        for index in batches.indices {
            let position = batches[index].position
            var header = batches[index].header
            header.attributes = BatchAttributes(rawValue: header.attributes.rawValue | logAppendTimeFlag)
            header.maxTimestamp = now
            buffer.setInteger(header.attributes.rawValue, at: position + RecordBatchHeader.attributesOffset)
            buffer.setInteger(now, at: position + Self.maxTimestampOffset)
            header.crc = RecordBatchHeader.computeCRC(of: buffer, batchAt: position, totalSize: header.totalSize)
            buffer.setInteger(header.crc, at: position + RecordBatchHeader.crcOffset)
            batches[index].header = header
        }
    }

    /// Byte offset of `maxTimestamp` in the header (attributes 2 + lastOffsetDelta 4 + baseTimestamp 8).
    private static let maxTimestampOffset = RecordBatchHeader.attributesOffset + 14
}
