import KafkaProtocol
import KafkaRecords
import NIOCore

extension SegmentedLog {
    /// Opens (creating if needed) the partition directory and recovers it, as Kafka's log loading does:
    ///
    /// - After a clean close every segment's index files are loaded and checked, and only the batches
    ///   after the active segment's last index entry are read.
    /// - Otherwise every segment at or after the recovery point is read from its start with each batch
    ///   CRC-checked; the first torn or corrupt batch and everything after it are cut off (later
    ///   segments deleted) and the indexes rebuilt. Earlier segments were fsynced, so their index files
    ///   are trusted once checked, and rebuilt when missing or inconsistent.
    /// - The leader epoch cache is trimmed to the recovered log, producer state is loaded from the
    ///   newest snapshot plus the batches after it, and recovered data is fsynced before returning.
    static func open(
        topicPartition: TopicPartition, directory: String, config: LogConfig, syncer: FileSyncer, now: Int64
    ) throws -> (SegmentedLog, RecoveryReport) {
        try FileSystem.createDirectory(directory)
        let directoryHandle = try OpenFile.openDirectory(directory)
        var discarded: [RecoveryReport.Action] = []
        let saved = try readCheckpointFile(directory, PartitionCheckpoint.fileName, discarded: &discarded, parse: PartitionCheckpoint.parse)
        let clean = saved?.cleanShutdown ?? false
        var report = RecoveryReport(cleanShutdown: clean, actions: discarded)
        let baseOffsets = try removeStrayFiles(in: directory, report: &report)

        var epochs = try readCheckpointFile(directory, LeaderEpochCache.fileName, discarded: &report.actions, parse: LeaderEpochCache.parse)
            ?? LeaderEpochCache()
        let recoveryPoint = saved?.recoveryPoint ?? 0
        var segments: [LogSegment] = []
        var truncatedAt: String?
        for (index, baseOffset) in baseOffsets.enumerated() {
            let fileName = SegmentFileName.name(baseOffset, SegmentFileName.log)
            if let truncatedAt {
                try deleteSegmentFiles(directory: directory, baseOffset: baseOffset)
                report.actions.append(.deletedSegment(file: fileName, reason: "follows the truncated segment \(truncatedAt)"))
                continue
            }
            let nextBase = index + 1 < baseOffsets.count ? baseOffsets[index + 1] : nil
            let mayHoldUnflushedData = !clean && (nextBase.map { $0 > recoveryPoint } ?? true)
            let actionsBefore = report.actions.count
            let segment = try LogSegment.open(
                directory: directory, baseOffset: baseOffset, recover: mayHoldUnflushedData,
                indexIntervalBytes: config.indexIntervalBytes, actions: &report.actions,
                onScannedBatch: { epochs.assign(epoch: $0.partitionLeaderEpoch, startOffset: $0.baseOffset) })
            segment.createdAt = now
            segments.append(segment)
            let truncated = report.actions[actionsBefore...].contains { if case .truncated = $0 { return true } else { return false } }
            if truncated { truncatedAt = fileName }
        }
        if segments.isEmpty {
            segments = [try LogSegment.create(directory: directory, baseOffset: saved?.logStartOffset ?? 0)]
            segments[0].createdAt = now
        }

        let logEndOffset = segments[segments.count - 1].nextOffset
        let logStartOffset = min(max(saved?.logStartOffset ?? 0, segments[0].baseOffset), logEndOffset)
        let trimmedEnd = epochs.truncateFromEnd(logEndOffset)
        let trimmedStart = epochs.truncateFromStart(logStartOffset)
        let log = SegmentedLog(
            topicPartition: topicPartition, directory: directory, directoryHandle: directoryHandle, config: config,
            segments: segments, logStartOffset: logStartOffset,
            recoveryPoint: clean ? logEndOffset : min(recoveryPoint, logEndOffset), epochs: epochs)
        if trimmedEnd || trimmedStart || !report.scannedSegments.isEmpty { try log.writeEpochCheckpoint() }
        let producerState = try log.rebuildProducerState()
        report.producerSnapshotOffset = producerState.snapshot
        report.producerBatchesScanned = producerState.batchesScanned
        report.actions += producerState.discarded.map { .discardedFile(file: $0, reason: "not a readable producer state snapshot") }
        log.directoryChanges += 1
        try log.flushNow(with: syncer)
        try writeCheckpoint(log.checkpoint(cleanShutdown: false), directory: directory)
        report.logStartOffset = log.logStartOffset
        report.logEndOffset = log.logEndOffset
        return (log, report)
    }

    /// A small checkpoint file, nil when missing; one that does not parse is reported and ignored.
    private static func readCheckpointFile<T>(
        _ directory: String, _ name: String, discarded: inout [RecoveryReport.Action], parse: (ByteBuffer) -> T?
    ) throws -> T? {
        guard let bytes = try FileSystem.readFile(FileSystem.join(directory, name)) else { return nil }
        guard let value = parse(bytes) else {
            discarded.append(.discardedFile(file: name, reason: "does not parse"))
            return nil
        }
        return value
    }

    /// Deletes leftovers that are not part of the log (temporary files, index files without a
    /// `.log`) and returns the base offsets of the segments, in order.
    private static func removeStrayFiles(in directory: String, report: inout RecoveryReport) throws -> [Offset] {
        let names = try FileSystem.contents(of: directory)
        let baseOffsets = names.compactMap { SegmentFileName.offset(in: $0, suffix: SegmentFileName.log) }.sorted()
        let segments = Set(baseOffsets)
        for name in names {
            let orphanIndex = [SegmentFileName.offsetIndex, SegmentFileName.timeIndex].contains { suffix in
                SegmentFileName.offset(in: name, suffix: suffix).map { !segments.contains($0) } ?? false
            }
            if name.hasSuffix(".tmp") || orphanIndex {
                try FileSystem.removeFile(FileSystem.join(directory, name))
                report.actions.append(.removedStrayFile(file: name))
            }
        }
        return baseOffsets
    }

    private static func deleteSegmentFiles(directory: String, baseOffset: Offset) throws {
        for suffix in [SegmentFileName.log, SegmentFileName.offsetIndex, SegmentFileName.timeIndex] {
            try FileSystem.removeFile(FileSystem.join(directory, SegmentFileName.name(baseOffset, suffix)))
        }
    }
}
