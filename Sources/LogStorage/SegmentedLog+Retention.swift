import KafkaProtocol
import KafkaRecords

extension SegmentedLog {
    /// Applies `retention.ms`, `retention.bytes` and the log start offset, deleting whole segments
    /// from the oldest. Returns the deleted `.log` file names.
    func enforceRetention(now: Int64) throws -> [String] {
        var deleted: [String] = []
        if config.cleanupPolicy.contains(.delete) && config.retentionMs >= 0 {
            deleted += try deleteOldestSegments(now: now) { segment, _ in
                let newest = segment.maxTimestamp >= 0 ? segment.maxTimestamp : try segment.lastModifiedMilliseconds()
                return now - newest > config.retentionMs
            }
        }
        if config.cleanupPolicy.contains(.delete) && config.retentionBytes >= 0 {
            var excess = Int64(sizeInBytes) - config.retentionBytes
            deleted += try deleteOldestSegments(now: now) { segment, _ in
                guard excess - Int64(segment.size) >= 0 else { return false }
                excess -= Int64(segment.size)
                return true
            }
        }
        deleted += try deleteSegmentsBelowLogStart(now: now)
        return deleted
    }

    /// DeleteRecords: moves the log start offset up to `offset` (at most the high watermark) and
    /// deletes the segments wholly below it. Returns the new log start offset.
    func deleteRecords(before offset: Offset, now: Int64) throws -> Offset {
        guard offset.rawValue >= 0, offset <= highWatermark else {
            throw LogError.offsetOutOfRange(topicPartition, requested: offset, logStartOffset: logStartOffset, logEndOffset: logEndOffset)
        }
        guard offset > logStartOffset else { return logStartOffset }
        logStartOffset = offset
        if epochs.truncateFromStart(offset) { try writeEpochCheckpoint() }
        _ = try deleteSegmentsBelowLogStart(now: now)
        return logStartOffset
    }

    /// Removes every offset at and after `offset` (for replication, later). The batch containing
    /// `offset` is removed whole, so the new log end may be below `offset`. Returns the new log end.
    func truncate(to offset: Offset) throws -> Offset {
        guard offset < logEndOffset else { return logEndOffset }
        guard offset >= logStartOffset else {
            throw LogError.offsetOutOfRange(topicPartition, requested: offset, logStartOffset: logStartOffset, logEndOffset: logEndOffset)
        }
        let keep = segmentIndex(containing: offset) ?? 0
        for segment in segments[(keep + 1)...] { try segment.deleteFiles() }
        if keep + 1 < segments.count {
            segments.removeLast(segments.count - keep - 1)
            directoryChanges += 1
        }
        if let (position, _) = try activeSegment.locate(offset) {
            try activeSegment.truncate(toPosition: position, indexIntervalBytes: config.indexIntervalBytes)
        }
        truncations += 1
        highWatermark = min(highWatermark, logEndOffset)
        recoveryPoint = min(recoveryPoint, logEndOffset)
        logStartOffset = min(logStartOffset, logEndOffset)
        if epochs.truncateFromEnd(logEndOffset) { try writeEpochCheckpoint() }
        _ = try rebuildProducerState()
        return logEndOffset
    }

    private func deleteSegmentsBelowLogStart(now: Int64) throws -> [String] {
        try deleteOldestSegments(now: now) { _, next in next.map { $0.baseOffset <= logStartOffset } ?? false }
    }

    /// Deletes segments from the oldest while `shouldDelete(segment, next)` holds and the segment lies
    /// wholly below the high watermark, as Kafka's `deleteOldSegments` does. When every segment goes,
    /// the log rolls first so the segment being deleted is never the one appends go to.
    private func deleteOldestSegments(now: Int64, _ shouldDelete: (LogSegment, LogSegment?) throws -> Bool) throws -> [String] {
        var count = 0
        while count < segments.count {
            let segment = segments[count]
            let next = count + 1 < segments.count ? segments[count + 1] : nil
            guard highWatermark >= (next?.baseOffset ?? logEndOffset), !(next == nil && segment.isEmpty),
                try shouldDelete(segment, next)
            else { break }
            count += 1
        }
        guard count > 0 else { return [] }
        if count == segments.count { try roll(now: now) }
        let doomed = segments.prefix(count)
        segments.removeFirst(count)
        directoryChanges += 1
        for segment in doomed { try segment.deleteFiles() }
        logStartOffset = max(logStartOffset, segments[0].baseOffset)
        if epochs.truncateFromStart(logStartOffset) { try writeEpochCheckpoint() }
        try removeProducerSnapshots { $0 < segments[0].baseOffset }
        return doomed.map(\.logFileName)
    }
}
