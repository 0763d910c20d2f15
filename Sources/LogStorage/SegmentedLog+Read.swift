import KafkaProtocol
import KafkaRecords

extension SegmentedLog {
    func limit(of bound: ReadBound) -> Offset {
        offsets.limit(of: bound)
    }

    /// The whole batches a fetch from `offset` returns, all from one segment as with Kafka. Throws
    /// OFFSET_OUT_OF_RANGE below the log start or past the log end; nil when nothing is readable.
    func slice(from offset: Offset, maxBytes: Int, bound: ReadBound, minOneBatch: Bool) throws -> (segment: LogSegment, slice: SegmentSlice)? {
        guard offset >= logStartOffset, offset <= logEndOffset else {
            throw LogError.offsetOutOfRange(topicPartition, requested: offset, logStartOffset: logStartOffset, logEndOffset: logEndOffset)
        }
        let limit = limit(of: bound)
        guard offset < limit else { return nil }
        for segment in segments[(segmentIndex(containing: offset) ?? 0)...] {
            if let slice = try segment.slice(from: offset, maxBytes: max(0, maxBytes), bound: limit, minOneBatch: minOneBatch) {
                return (segment, slice)
            }
        }
        return nil
    }

    /// The first batch whose max timestamp is at least `timestamp`, at batch granularity: the offset
    /// is the batch's base offset (or the log start offset when that is later).
    func offset(forTimestamp timestamp: Int64) throws -> TimestampOffset? {
        for segment in segments where segment.maxTimestamp >= timestamp {
            if let batch = try segment.firstBatch(withTimestampAtLeast: timestamp) {
                return TimestampOffset(offset: max(batch.baseOffset, logStartOffset), timestamp: batch.maxTimestamp)
            }
        }
        return nil
    }

    /// The batch holding the largest timestamp (the first such batch): its last offset and that timestamp.
    func offsetOfMaxTimestamp() -> TimestampOffset? {
        var best: LogSegment?
        for segment in segments where segment.maxTimestamp >= 0 && segment.maxTimestamp > (best?.maxTimestamp ?? -1) {
            best = segment
        }
        return best.map { TimestampOffset(offset: $0.offsetOfMaxTimestamp, timestamp: $0.maxTimestamp) }
    }
}
