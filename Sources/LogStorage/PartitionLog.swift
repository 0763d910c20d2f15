import KafkaProtocol
import KafkaRecords
import NIOConcurrencyHelpers
import NIOCore

/// A partition's durable log: the segmented log on disk (see `SegmentedLog` for its guarantees),
/// safe to call from any thread, plus durability waiters served by the `LogManager`'s `LogFlusher`.
///
/// Every call takes the partition's lock for a few short system calls (an append is one pwrite).
/// Log data is fsynced only by the flusher, outside the lock; under it only the small
/// `leader-epoch-checkpoint` is fsynced, when an append brings a new leader epoch (once per
/// leadership change). Calls block on file I/O, so the broker makes them from a thread pool, never
/// from an event loop.
///
/// A failed fsync takes the partition offline (`LogError.logOffline`): after such a failure the
/// kernel may have dropped dirty pages, so nothing unflushed can be trusted until a restart recovers
/// the log from disk. Other I/O errors (a full disk) leave the log consistent and usable.
public final class PartitionLog: @unchecked Sendable {
    public typealias DurabilityCallback = @Sendable (Error?) -> Void

    public let topicPartition: TopicPartition
    public let directory: String
    /// What opening the log found and repaired.
    public let recoveryReport: RecoveryReport
    private let flusher: LogFlusher
    /// Taken before `lock` (never inside it) to write the partition checkpoint file in order.
    private let checkpointLock = NIOLock()
    private let lock = NIOLock()
    /// The newest appends, readable without the partition lock or file I/O.
    private let recent = RecentAppends()
    // The properties below are read and written only while holding `lock`; that is what makes
    // the class Sendable. `log` is nil once the partition was closed or deleted.
    private var log: SegmentedLog?
    private var waiters: [(offset: Offset, callback: DurabilityCallback)] = []
    private var failure: LogError?

    private init(topicPartition: TopicPartition, log: SegmentedLog, report: RecoveryReport, flusher: LogFlusher) {
        self.topicPartition = topicPartition
        self.directory = log.directory
        self.recoveryReport = report
        self.flusher = flusher
        self.log = log
        recent.reset(offsets: log.offsets)
    }

    /// Opens the partition's directory `<dataDirectory>/<topic>-<partition>` (creating it if needed)
    /// and recovers it; `recoveryReport` says what was repaired. `now` is wall-clock milliseconds.
    public static func open(
        _ topicPartition: TopicPartition, dataDirectory: String, config: LogConfig, flusher: LogFlusher, now: Int64
    ) throws -> PartitionLog {
        let directory = FileSystem.join(dataDirectory, topicPartition.directoryName)
        let (log, report) = try SegmentedLog.open(
            topicPartition: topicPartition, directory: directory, config: config, syncer: flusher.syncer, now: now)
        return PartitionLog(topicPartition: topicPartition, log: log, report: report, flusher: flusher)
    }

    // MARK: State

    public var offsets: LogOffsets {
        get throws { try withLog { $0.offsets } }
    }

    /// Every offset below this one is on stable storage.
    public var durableOffset: Offset {
        get throws { try withLog { $0.recoveryPoint } }
    }

    public var config: LogConfig {
        get throws { try withLog { $0.config } }
    }

    /// Applies a changed topic config; it takes effect from the next append, roll or retention run.
    public func updateConfig(_ config: LogConfig) throws {
        try withLog { $0.config = config }
    }

    public var sizeInBytes: Int {
        get throws { try withLog { $0.sizeInBytes } }
    }

    /// Base offsets of the segments, oldest first; the last is the active segment.
    public var segmentBaseOffsets: [Offset] {
        get throws { try withLog { $0.segments.map(\.baseOffset) } }
    }

    // MARK: Appending

    /// Appends complete magic-v2 record batches (CRCs already validated by the broker) at the log
    /// end: patches each batch's base offset and partition leader epoch in place and writes the
    /// producer's bytes; for LogAppendTime topics also stamps `now` and recomputes the CRC.
    /// A retried idempotent batch is not appended again: its original offsets come back with
    /// `isDuplicate`. Throws `LogError` (with its Kafka `errorCode`) for sequence gaps, fenced
    /// epochs, oversized or malformed batches, and I/O failures.
    public func append(records: ByteBuffer, leaderEpoch: LeaderEpoch, now: Int64) throws -> AppendInfo {
        let (info, flushNow, flushLater) = try withLog { log in
            let segmentsBefore = log.segments.count
            let wasDurable = log.recoveryPoint >= log.logEndOffset
            let segmentBefore = log.activeSegment
            let sizeBefore = segmentBefore.size
            let (info, written) = try log.append(records, leaderEpoch: leaderEpoch, now: now)
            if let written {
                let segment = log.activeSegment
                let position = segment.file === segmentBefore.file ? sizeBefore : 0
                recent.published(
                    .init(firstOffset: info.firstOffset, nextOffset: info.lastOffset + 1, position: position, length: segment.size - position),
                    bytes: written, in: segment.file, offsets: log.offsets)
            }
            let unflushed = log.logEndOffset - log.recoveryPoint
            let flushNow = log.segments.count != segmentsBefore || (unflushed > 0 && unflushed >= log.config.flushMessages)
            let flushLater = wasDurable && !info.isDuplicate && log.config.flushMs != .max ? log.config.flushMs : nil
            return (info, flushNow, flushLater)
        }
        if flushNow {
            _ = flusher.requestFlush(self)
        } else if let flushLater {
            _ = flusher.requestFlush(self, afterMilliseconds: flushLater)
        }
        return info
    }

    // MARK: Reading

    /// Whole batches from the one containing `offset` as a region of one segment file, for sendfile.
    /// At most `maxBytes`, except that with `minOneBatch` the first batch is returned whole even when
    /// larger (KIP-74). Stops at `bound`. Throws OFFSET_OUT_OF_RANGE outside [log start, log end].
    /// The caller owns the region's file handle and must close it.
    ///
    /// Unlike Kafka, which cuts the region at `maxBytes` and lets clients drop a trailing partial
    /// batch, the region always ends at a batch boundary: it costs one 61-byte header read per batch
    /// and spares every client (and any proxy) the partial-batch case.
    public func read(from offset: Offset, maxBytes: Int, upTo bound: ReadBound = .highWatermark, minOneBatch: Bool) throws -> LogReadResult {
        try withLog { log in
            let offsets = log.offsets
            guard let (segment, slice) = try log.slice(from: offset, maxBytes: maxBytes, bound: bound, minOneBatch: minOneBatch),
                slice.length > 0
            else { return LogReadResult(records: nil, firstOffset: nil, nextOffset: offset, offsets: offsets) }
            let region = FileRegion(
                fileHandle: try segment.file.duplicateHandle(), readerIndex: slice.position, endIndex: slice.position + slice.length)
            return LogReadResult(records: .file(region), firstOffset: slice.firstOffset, nextOffset: slice.nextOffset, offsets: offsets)
        }
    }

    /// The read `read(from:maxBytes:upTo:minOneBatch:)` gives, answered from memory for a consumer
    /// at the tail of the log without taking the partition lock or touching the files (one `dup`);
    /// nil when the read needs the files. Safe on an event loop.
    public func readRecent(from offset: Offset, maxBytes: Int, upTo bound: ReadBound = .highWatermark, minOneBatch: Bool) throws -> LogReadResult? {
        try recent.read(from: offset, maxBytes: maxBytes, upTo: bound, minOneBatch: minOneBatch)
    }

    /// The same read as `read(from:maxBytes:upTo:minOneBatch:)`, copied into memory.
    public func readBuffer(from offset: Offset, maxBytes: Int, upTo bound: ReadBound = .highWatermark, minOneBatch: Bool) throws -> LogBufferReadResult {
        try withLog { log in
            let offsets = log.offsets
            guard let (segment, slice) = try log.slice(from: offset, maxBytes: maxBytes, bound: bound, minOneBatch: minOneBatch),
                slice.length > 0
            else { return LogBufferReadResult(records: ByteBuffer(), firstOffset: nil, nextOffset: offset, offsets: offsets) }
            let bytes = try segment.file.read(at: slice.position, count: slice.length)
            return LogBufferReadResult(records: bytes, firstOffset: slice.firstOffset, nextOffset: slice.nextOffset, offsets: offsets)
        }
    }

    /// ListOffsets by timestamp: the first batch whose max timestamp is at least `timestamp`
    /// (batch granularity: its base offset, or the log start offset when later); nil when none.
    /// Kafka returns the exact record by decoding the batch; the log never decodes records, so a
    /// broker that wants record precision decodes the one batch at the returned offset.
    public func offset(forTimestamp timestamp: Int64) throws -> TimestampOffset? {
        try withLog { try $0.offset(forTimestamp: timestamp) }
    }

    /// ListOffsets MAX_TIMESTAMP: the last offset of the batch holding the largest timestamp.
    public func offsetOfMaxTimestamp() throws -> TimestampOffset? {
        try withLog { $0.offsetOfMaxTimestamp() }
    }

    // MARK: Leader epochs

    /// OffsetsForLeaderEpoch: the largest epoch not above `epoch` and where it ends; (-1, -1) if unknown.
    public func endOffset(forLeaderEpoch epoch: LeaderEpoch) throws -> (epoch: LeaderEpoch, endOffset: Offset) {
        try withLog { $0.epochs.endOffset(for: epoch, logEndOffset: $0.logEndOffset) }
    }

    public var latestLeaderEpoch: LeaderEpoch? {
        get throws { try withLog { $0.epochs.latestEpoch } }
    }

    // MARK: Removing data

    /// DeleteRecords: moves the log start offset to `offset` (at most the high watermark; the broker
    /// translates Kafka's -1 to the high watermark) and deletes segments wholly below it.
    /// Returns the new log start offset, which is persisted before returning.
    public func deleteRecords(before offset: Offset, now: Int64) throws -> Offset {
        let start = try withLogChanging { try $0.deleteRecords(before: offset, now: now) }
        try writeCheckpoint()
        return start
    }

    /// Deletes whole segments past `retention.ms` or beyond `retention.bytes` (never the segment being
    /// appended to: an expired active segment is rolled first). Returns the deleted `.log` file names.
    public func enforceRetention(now: Int64) throws -> [String] {
        let deleted = try withLogChanging { try $0.enforceRetention(now: now) }
        if !deleted.isEmpty { try writeCheckpoint() }
        return deleted
    }

    /// Rolls the active segment when it is older than `segment.ms`; returns whether it rolled.
    public func rollIfDue(now: Int64) throws -> Bool {
        let rolled = try withLog { try $0.rollIfDue(now: now) }
        if rolled { _ = flusher.requestFlush(self) }
        return rolled
    }

    /// Forgets idempotent producers idle longer than `expirationMs`; returns how many.
    public func removeExpiredProducers(now: Int64, expirationMs: Int64) throws -> Int {
        try withLog { $0.removeExpiredProducers(now: now, expirationMs: expirationMs) }
    }

    /// Removes every offset at and after `offset` (the whole batch containing it), for replication.
    /// Durability waiters above the new log end fail. Returns the new log end offset.
    public func truncate(to offset: Offset) throws -> Offset {
        let (end, dropped) = try withLogChanging { log -> (Offset, [(offset: Offset, callback: DurabilityCallback)]) in
            let end = try log.truncate(to: offset)
            let dropped = waiters.filter { $0.offset > end }
            waiters.removeAll { $0.offset > end }
            return (end, dropped)
        }
        for waiter in dropped { waiter.callback(LogError.truncated(topicPartition, offset: waiter.offset, newLogEndOffset: end)) }
        try writeCheckpoint()
        return end
    }

    // MARK: Durability

    /// Calls `callback` once every record below `offset` is on stable storage (pass an append's
    /// `lastOffset + 1`), with nil, or with the error that makes that impossible. Runs the callback
    /// at once on the calling thread when already durable, otherwise on the flusher thread: keep it
    /// short (complete a promise).
    public func whenDurable(upTo offset: Offset, _ callback: @escaping DurabilityCallback) {
        let immediate: Error?? = lock.withLock {
            if let failure { return .some(failure) }
            guard let log else { return .some(LogError.closed(topicPartition)) }
            if offset <= log.recoveryPoint { return .some(nil) }
            waiters.append((offset, callback))
            return .none
        }
        if let immediate {
            callback(immediate)
        } else if !flusher.requestFlush(self) {
            let durable = lock.withLock { log?.recoveryPoint }
            completeAllWaiters(durableOffset: durable, otherwise: LogError.flusherStopped(topicPartition))
        }
    }

    /// Flushes now on the calling thread and completes the waiters it satisfies.
    public func flush() throws {
        try withLog { _ in }
        if let error = flushAndCompleteWaiters() { throw error }
    }

    /// Persists the recovery point and log start offset, so recovery after a crash rescans only
    /// segments written since. The `LogManager` calls it periodically.
    public func writeCheckpoint() throws {
        try checkpointLock.withLock {
            guard let (checkpoint, directory) = lock.withLock({ log.map { ($0.checkpoint(cleanShutdown: false), $0.directory) } })
            else { return }
            try SegmentedLog.writeCheckpoint(checkpoint, directory: directory)
        }
    }

    /// One flush: files captured under the lock, synced without it, waiters completed after.
    /// Returns the error that took the partition offline, if any. Called by the flusher thread.
    func flushAndCompleteWaiters() -> LogError? {
        let job: FlushJob?
        do {
            job = try lock.withLock { try log?.prepareFlush() }
            try job?.sync(with: flusher.syncer)
        } catch {
            let offline = LogError.logOffline(topicPartition, cause: "\(error)")
            lock.withLock { failure = failure ?? offline }
            recent.reset(offsets: nil)
            completeAllWaiters(durableOffset: nil, otherwise: offline)
            return offline
        }
        let ready = lock.withLock { () -> [DurabilityCallback] in
            guard let log else { return [] }
            if let job { log.completeFlush(job) }
            let ready = waiters.filter { $0.offset <= log.recoveryPoint }.map(\.callback)
            waiters.removeAll { $0.offset <= log.recoveryPoint }
            return ready
        }
        for callback in ready { callback(nil) }
        return nil
    }

    // MARK: Closing

    /// Closes cleanly: everything is fsynced, index files and a producer snapshot are written, and the
    /// checkpoint is marked clean so the next open skips the CRC scan. Waiters for data that was
    /// flushed succeed; the rest fail. Further calls throw `LogError.closed`.
    public func close() throws {
        let closing: (result: Result<Void, Error>, durable: Offset)? = checkpointLock.withLock {
            lock.withLock {
                guard let log else { return nil }
                self.log = nil
                recent.reset(offsets: nil)
                let result = Result { try log.close(with: flusher.syncer) }
                return (result, log.recoveryPoint)
            }
        }
        completeAllWaiters(durableOffset: closing?.durable, otherwise: LogError.closed(topicPartition))
        try closing?.result.get()
    }

    /// Closes the partition without flushing and removes its directory: it is renamed to
    /// `<topic>-<partition>.<id>-delete` first (as Kafka does), so a crash midway leaves a directory
    /// the `LogManager` finishes deleting on start instead of a half-deleted log.
    public func delete() throws {
        checkpointLock.withLock {
            lock.withLock {
                log = nil
                recent.reset(offsets: nil)
            }
        }
        completeAllWaiters(durableOffset: nil, otherwise: LogError.closed(topicPartition))
        let doomed = "\(directory).\(KafkaUUID.random().low)-delete"
        try FileSystem.rename(directory, to: doomed)
        try FileSystem.syncDirectory(FileSystem.directoryName(of: directory))
        try FileSystem.removeRecursively(doomed)
    }

    // MARK: Helpers

    private func withLog<T>(_ body: (SegmentedLog) throws -> T) throws -> T {
        try lock.withLock {
            if let failure { throw failure }
            guard let log else { throw LogError.closed(topicPartition) }
            return try body(log)
        }
    }

    /// `withLog` for changes other than appends: the recent appends are forgotten, as they may
    /// describe deleted or truncated data, and the new offsets published.
    private func withLogChanging<T>(_ body: (SegmentedLog) throws -> T) throws -> T {
        try withLog { log in
            defer { recent.reset(offsets: log.offsets) }
            return try body(log)
        }
    }

    /// Completes every waiter: those at or below `durableOffset` succeed, the others get `error`.
    private func completeAllWaiters(durableOffset: Offset?, otherwise error: Error) {
        let taken = lock.withLock { () -> [(offset: Offset, callback: DurabilityCallback)] in
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in taken {
            waiter.callback(durableOffset.map { waiter.offset <= $0 } == true ? nil : error)
        }
    }
}
