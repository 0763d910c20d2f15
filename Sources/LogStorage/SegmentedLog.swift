import KafkaProtocol
import KafkaRecords
import NIOCore

/// The synchronous core of a partition log: its segments, offsets, idempotent-producer state and
/// leader epoch cache, with every operation a sequence of short file system calls.
///
/// Guarantees: segments are sorted by base offset and never empty as a list; the last one is the
/// active segment; `logStartOffset <= highWatermark <= logEndOffset`; `recoveryPoint` never exceeds
/// what was really fsynced. Not thread-safe: `PartitionLog` serialises every call with its lock and
/// adds durability waiters and background flushing on top.
///
/// Its state is mutated only by its own methods, which live in the `SegmentedLog+*.swift` files.
final class SegmentedLog {
    let topicPartition: TopicPartition
    let directory: String
    let directoryHandle: OpenFile
    var config: LogConfig
    var segments: [LogSegment]
    var logStartOffset: Offset
    var highWatermark: Offset
    /// Every offset below this is on stable storage.
    var recoveryPoint: Offset
    var producers: ProducerStateTable
    var epochs: LeaderEpochCache
    /// Counts entries created or removed in the directory, so the flusher knows when to fsync it.
    var directoryChanges = 0
    var syncedDirectoryChanges = 0
    /// Counts truncations; a flush that overlapped one does not advance the recovery point.
    var truncations = 0

    init(
        topicPartition: TopicPartition, directory: String, directoryHandle: OpenFile, config: LogConfig,
        segments: [LogSegment], logStartOffset: Offset, recoveryPoint: Offset, epochs: LeaderEpochCache
    ) {
        self.topicPartition = topicPartition
        self.directory = directory
        self.directoryHandle = directoryHandle
        self.config = config
        self.segments = segments
        self.logStartOffset = logStartOffset
        self.highWatermark = segments[segments.count - 1].nextOffset
        self.recoveryPoint = recoveryPoint
        self.producers = ProducerStateTable()
        self.epochs = epochs
    }

    var activeSegment: LogSegment { segments[segments.count - 1] }
    var logEndOffset: Offset { activeSegment.nextOffset }
    /// Equal to the high watermark until transactions exist.
    var lastStableOffset: Offset { highWatermark }
    var offsets: LogOffsets {
        LogOffsets(logStartOffset: logStartOffset, highWatermark: highWatermark, lastStableOffset: lastStableOffset, logEndOffset: logEndOffset)
    }
    var sizeInBytes: Int { segments.reduce(0) { $0 + $1.size } }

    /// Index of the segment whose range holds `offset` (the last with base offset not above it).
    func segmentIndex(containing offset: Offset) -> Int? {
        segments.lastIndex(whereSortedBy: { $0.baseOffset <= offset })
    }

    func path(_ name: String) -> String { FileSystem.join(directory, name) }

    // MARK: Small persistent files

    func writeEpochCheckpoint() throws {
        try FileSystem.writeAtomically(path(LeaderEpochCache.fileName), contents: epochs.serialized())
    }

    /// Snapshots producer state at the log end (see `ProducerStateSnapshot` for why it need not be fsynced).
    func writeProducerSnapshot() throws {
        let name = SegmentFileName.name(logEndOffset, SegmentFileName.producerSnapshot)
        try FileSystem.writeAtomically(path(name), contents: ProducerStateSnapshot.encode(producers), durable: false)
    }

    func checkpoint(cleanShutdown: Bool) -> PartitionCheckpoint {
        PartitionCheckpoint(logStartOffset: logStartOffset, recoveryPoint: recoveryPoint, cleanShutdown: cleanShutdown)
    }

    static func writeCheckpoint(_ checkpoint: PartitionCheckpoint, directory: String) throws {
        try FileSystem.writeAtomically(FileSystem.join(directory, PartitionCheckpoint.fileName), contents: checkpoint.serialized())
    }

    // MARK: Rolling

    /// Starts a new active segment at the log end; the old one's index files are written out.
    func roll(now: Int64) throws {
        try activeSegment.writeIndexFiles()
        let segment = try LogSegment.create(directory: directory, baseOffset: logEndOffset)
        segment.createdAt = now
        segments.append(segment)
        directoryChanges += 1
        try writeProducerSnapshot()
    }

    /// Kafka's roll conditions, checked before appending `incoming`: the segment would outgrow
    /// `segment.bytes`, is older than `segment.ms`, its index is full, or relative offsets would overflow.
    func shouldRoll(before incoming: IncomingBatches, now: Int64) -> Bool {
        let segment = activeSegment
        guard !segment.isEmpty else { return false }
        return segment.size > config.segmentBytes - incoming.byteCount
            || now - segment.rollingBasedTimestamp > config.segmentMs
            || segment.offsetIndex.count + incoming.batches.count > config.maxOffsetIndexEntries
            || segment.timeIndex.count + incoming.batches.count >= config.maxTimeIndexEntries
            || incoming.lastOffset - segment.baseOffset > Int64(Int32.max)
    }

    /// Rolls an active segment older than `segment.ms` even without appends, so retention can delete it.
    func rollIfDue(now: Int64) throws -> Bool {
        guard !activeSegment.isEmpty, now - activeSegment.rollingBasedTimestamp > config.segmentMs else { return false }
        try roll(now: now)
        return true
    }
}
