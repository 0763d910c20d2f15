import KafkaProtocol
import NIOCore

/// In-place edits the broker makes to a validated batch before appending it.
///
/// The CRC covers attributes..end of batch: `assignOffsets` touches only fields before it and
/// leaves the CRC alone; `setLogAppendTime` changes covered fields and recomputes it.
/// `position` is the batch's absolute index in `buffer`, as `ValidatedBatch.position` gives it.
public enum RecordBatchRewriter {
    /// Stamps the batch's base offset and the leader epoch it is appended under.
    public static func assignOffsets(
        in buffer: inout ByteBuffer, batchAt position: Int, baseOffset: Offset, partitionLeaderEpoch: LeaderEpoch
    ) throws {
        _ = try RecordBatchHeader.readFramed(buffer, at: position)
        buffer.setInteger(baseOffset.rawValue, at: position)
        buffer.setInteger(partitionLeaderEpoch.rawValue, at: position + RecordBatchHeader.partitionLeaderEpochOffset)
    }

    /// Marks the batch's timestamps as LogAppendTime with the broker's `timestamp` (stored in
    /// maxTimestamp, which consumers then use for every record) and recomputes the CRC.
    public static func setLogAppendTime(in buffer: inout ByteBuffer, batchAt position: Int, timestamp: Int64) throws {
        var header = try RecordBatchHeader.readFramed(buffer, at: position)
        header.attributes.rawValue |= BatchAttributes.logAppendTimeFlag
        buffer.setInteger(header.attributes.rawValue, at: position + RecordBatchHeader.attributesOffset)
        buffer.setInteger(timestamp, at: position + RecordBatchHeader.maxTimestampOffset)
        let crc = RecordBatchHeader.computeCRC(of: buffer, batchAt: position, totalSize: header.totalSize)
        buffer.setInteger(crc, at: position + RecordBatchHeader.crcOffset)
    }
}
