import KafkaProtocol
import KafkaRecords
import NIOCore

extension SegmentedLog {
    /// Appends the batches in `records` at the log end, or recognises a producer's retry; `written`
    /// is what went into the segment (the batches with their offsets and epoch stamped), nil for a retry.
    /// Producer state, offsets and the leader epoch cache change only when the write succeeded.
    func append(_ records: ByteBuffer, leaderEpoch: LeaderEpoch, now: Int64) throws -> (info: AppendInfo, written: ByteBuffer?) {
        var incoming = try IncomingBatches(records, partition: topicPartition, maxBatchBytes: config.maxMessageBytes)
        guard incoming.byteCount <= config.segmentBytes else {
            throw LogError.batchTooLarge(topicPartition, size: incoming.byteCount, limit: config.segmentBytes, key: "segment.bytes")
        }
        let firstOffset = logEndOffset
        incoming.assignOffsets(from: firstOffset, leaderEpoch: leaderEpoch)
        let usesLogAppendTime = config.messageTimestampType == .logAppendTime
        if usesLogAppendTime { incoming.stampLogAppendTime(now) }

        var updatedProducers = producers
        for batch in incoming.batches {
            switch try updatedProducers.check(batch.header, partition: topicPartition) {
            case .append:
                updatedProducers.record(batch.header)
            case .duplicate(let original):
                guard incoming.batches.count == 1 else {
                    throw LogError.duplicateSequence(topicPartition, producerID: batch.header.producerID, baseSequence: batch.header.baseSequence)
                }
                let info = AppendInfo(
                    firstOffset: original.firstOffset, lastOffset: original.lastOffset, maxTimestamp: original.maxTimestamp,
                    offsetOfMaxTimestamp: original.lastOffset, logAppendTime: usesLogAppendTime ? original.maxTimestamp : -1,
                    logStartOffset: logStartOffset, recordCount: Int(original.lastOffset - original.firstOffset) + 1,
                    isDuplicate: true)
                return (info, nil)
            }
        }

        if shouldRoll(before: incoming, now: now) { try roll(now: now) }
        // Written before the data so a failure leaves at most an epoch entry with no batch yet, which is harmless.
        if epochs.assign(epoch: leaderEpoch, startOffset: firstOffset) { try writeEpochCheckpoint() }
        try activeSegment.append(incoming.buffer, batches: incoming.batches, indexIntervalBytes: config.indexIntervalBytes)
        producers = updatedProducers
        highWatermark = logEndOffset

        var newest = incoming.batches[0].header
        for batch in incoming.batches.dropFirst() where batch.header.maxTimestamp > newest.maxTimestamp {
            newest = batch.header
        }
        let info = AppendInfo(
            firstOffset: firstOffset, lastOffset: incoming.lastOffset, maxTimestamp: newest.maxTimestamp,
            offsetOfMaxTimestamp: newest.lastOffset, logAppendTime: usesLogAppendTime ? now : -1,
            logStartOffset: logStartOffset, recordCount: incoming.recordCount, isDuplicate: false)
        return (info, incoming.buffer)
    }
}
