import KafkaProtocol
import KafkaRecords
import NIOCore
import NIOPosix

/// One segment of a partition log: a `.log` file of whole magic-v2 batches whose offsets start at
/// `baseOffset`, its sparse offset and time indexes, and the facts the log needs without reading it
/// (size, next offset, largest timestamp).
///
/// Guarantees: after every call `size` is the length of a prefix of valid batches (a failed write is
/// truncated back), `nextOffset` follows the last of them, and the in-memory indexes describe exactly
/// those batches. Not thread-safe: the owning `PartitionLog`'s lock serialises every call.
final class LogSegment {
    let baseOffset: Offset
    let file: OpenFile
    let offsetIndexPath: String
    let timeIndexPath: String
    private(set) var size = 0
    private(set) var nextOffset: Offset
    private(set) var offsetIndex: OffsetIndex
    private(set) var timeIndex: TimeIndex
    /// Largest batch max-timestamp in the segment, -1 when it holds no batch with a timestamp.
    private(set) var maxTimestamp: Int64 = -1
    /// Last offset of the first batch that reached `maxTimestamp`.
    private(set) var offsetOfMaxTimestamp: Offset
    /// The first batch's max timestamp, which `segment.ms` measures the segment's age by (as Kafka does).
    private(set) var firstBatchTimestamp: Int64?
    private var bytesSinceLastIndexEntry = 0
    /// Bytes of the `.log` known to be on stable storage.
    var syncedSize = 0
    /// The index files on disk lag the in-memory indexes (true for the active segment).
    private(set) var indexFilesStale = true
    /// Counts index file writes; the flusher fsyncs written index files before the recovery point
    /// passes this segment, so recovery may trust them after a power loss.
    private(set) var indexWrites = 0
    var syncedIndexWrites = 0
    var indexFilesNeedSync: Bool { indexWrites != syncedIndexWrites }
    /// When the segment was created or opened; `segment.ms` counts from it when batches carry no timestamp.
    var createdAt: Int64 = 0
    /// The time `segment.ms` measures the segment's age from: its first batch's timestamp, as Kafka does.
    var rollingBasedTimestamp: Int64 {
        if let first = firstBatchTimestamp, first >= 0 { return first }
        return createdAt
    }

    var logPath: String { file.path }
    var logFileName: String { SegmentFileName.name(baseOffset, SegmentFileName.log) }
    var isEmpty: Bool { size == 0 }

    private init(directory: String, baseOffset: Offset, file: OpenFile) {
        self.baseOffset = baseOffset
        self.file = file
        self.offsetIndexPath = FileSystem.join(directory, SegmentFileName.name(baseOffset, SegmentFileName.offsetIndex))
        self.timeIndexPath = FileSystem.join(directory, SegmentFileName.name(baseOffset, SegmentFileName.timeIndex))
        self.nextOffset = baseOffset
        self.offsetOfMaxTimestamp = baseOffset
        self.offsetIndex = OffsetIndex(baseOffset: baseOffset)
        self.timeIndex = TimeIndex(baseOffset: baseOffset)
    }

    /// A new, empty segment. Leftover files with the same name (an empty segment from a crash) are reset.
    static func create(directory: String, baseOffset: Offset) throws -> LogSegment {
        let path = FileSystem.join(directory, SegmentFileName.name(baseOffset, SegmentFileName.log))
        let segment = LogSegment(directory: directory, baseOffset: baseOffset, file: try OpenFile.open(path, create: true))
        try segment.file.truncate(to: 0)
        try FileSystem.removeFile(segment.offsetIndexPath)
        try FileSystem.removeFile(segment.timeIndexPath)
        return segment
    }

    /// Opens an existing segment. With `recover` (it may hold unflushed data) every batch is
    /// CRC-checked and the indexes rebuilt; otherwise the index files are loaded, checked, and
    /// rebuilt only when they cannot be trusted. A corrupt or torn tail is truncated in both cases.
    /// `onScannedBatch` sees each batch a full scan reads, so the caller can rebuild its caches.
    static func open(
        directory: String, baseOffset: Offset, recover: Bool, indexIntervalBytes: Int,
        actions: inout [RecoveryReport.Action], onScannedBatch: (RecordBatchHeader) -> Void
    ) throws -> LogSegment {
        let path = FileSystem.join(directory, SegmentFileName.name(baseOffset, SegmentFileName.log))
        let segment = LogSegment(directory: directory, baseOffset: baseOffset, file: try OpenFile.open(path, create: false))
        let fileSize = try segment.file.size()
        // Data that recovery reads may sit only in the page cache (after kill -9): not yet durable.
        segment.syncedSize = recover ? 0 : fileSize
        if !recover {
            switch try segment.loadIndexes(fileSize: fileSize, indexIntervalBytes: indexIntervalBytes) {
            case .success: return segment
            case .failure(let problem):
                actions.append(.rebuiltIndex(file: problem.file, reason: problem.reason))
            }
        }
        try segment.rebuild(fileSize: fileSize, indexIntervalBytes: indexIntervalBytes, actions: &actions, onScannedBatch: onScannedBatch)
        if !recover { try segment.writeIndexFiles() }
        return segment
    }

    // MARK: Appending

    /// Appends batches whose offsets are already assigned. `batches` gives each batch's header and
    /// its position inside `buffer`. On a failed write the file is cut back to its previous size.
    func append(_ buffer: ByteBuffer, batches: [(position: Int, header: RecordBatchHeader)], indexIntervalBytes: Int) throws {
        let start = size
        do {
            try file.write(buffer, at: start)
        } catch {
            // Best effort: should the truncate fail too, `size` still marks the end of valid data and
            // the next append overwrites the partial bytes; recovery would cut them off as torn.
            try? file.truncate(to: start)
            throw error
        }
        for batch in batches {
            track(batch.header, at: start + batch.position - buffer.readerIndex, indexIntervalBytes: indexIntervalBytes, mayIndex: true)
        }
        size = start + buffer.readableBytes
        indexFilesStale = true
    }

    // MARK: Reading

    /// The batch containing `offset`, or the first batch after it when `offset` falls in a gap;
    /// nil when the segment has no batch at or after `offset`.
    func locate(_ offset: Offset) throws -> (position: Int, header: RecordBatchHeader)? {
        var position = offsetIndex.lookup(offset)?.position ?? 0
        while let header = try header(at: position) {
            if header.lastOffset >= offset { return (position, header) }
            position += header.totalSize
        }
        return nil
    }

    /// The header at `position`, nil at the end of the data. Data that was valid when written and
    /// no longer parses means the disk changed under us: that is an error, not an end.
    func header(at position: Int) throws -> RecordBatchHeader? {
        switch try file.batch(at: position, end: size, verifyCRC: false) {
        case .batch(let header): return header
        case .end: return nil
        case .invalid(let reason): throw LogError.corruptFile(path: logPath, reason: reason)
        }
    }

    /// Whole batches from the one containing `offset`: stops before a batch starting at or after
    /// `bound`, and before exceeding `maxBytes` unless `minOneBatch` and nothing was taken yet.
    func slice(from offset: Offset, maxBytes: Int, bound: Offset, minOneBatch: Bool) throws -> SegmentSlice? {
        guard let (start, first) = try locate(offset), first.baseOffset < bound else { return nil }
        var slice = SegmentSlice(position: start, length: 0, firstOffset: first.baseOffset, nextOffset: first.baseOffset)
        var next: RecordBatchHeader? = first
        while let header = next, header.baseOffset < bound {
            let fits = slice.length + header.totalSize <= maxBytes
            guard fits || (slice.length == 0 && minOneBatch) else { break }
            slice.length += header.totalSize
            slice.nextOffset = header.nextOffset
            next = try self.header(at: start + slice.length)
        }
        return slice
    }

    /// The first batch whose max timestamp is at least `timestamp`.
    func firstBatch(withTimestampAtLeast timestamp: Int64) throws -> RecordBatchHeader? {
        guard maxTimestamp >= timestamp else { return nil }
        var position = 0
        if let older = timeIndex.lastEntry(before: timestamp) {
            position = offsetIndex.lookup(older.offset + 1)?.position ?? 0
        }
        while let header = try header(at: position) {
            if header.maxTimestamp >= timestamp { return header }
            position += header.totalSize
        }
        return nil
    }

    // MARK: Changing the tail

    /// Cuts the segment at `position`, a batch boundary, and rebuilds the in-memory state.
    func truncate(toPosition position: Int, indexIntervalBytes: Int) throws {
        try file.truncate(to: position)
        syncedSize = min(syncedSize, position)
        var ignored: [RecoveryReport.Action] = []
        try rebuild(fileSize: position, indexIntervalBytes: indexIntervalBytes, verifyCRC: false, actions: &ignored) { _ in }
    }

    /// Writes both index files (Kafka's layout), first recording the segment's final largest
    /// timestamp in the time index, as Kafka does when a segment becomes inactive.
    func writeIndexFiles() throws {
        timeIndex.maybeAppend(timestamp: maxTimestamp, offset: offsetOfMaxTimestamp)
        for (path, bytes) in [(offsetIndexPath, offsetIndex.serialized()), (timeIndexPath, timeIndex.serialized())] {
            let indexFile = try OpenFile.open(path, create: true)
            try indexFile.truncate(to: 0)
            try indexFile.write(bytes, at: 0)
        }
        indexFilesStale = false
        indexWrites += 1
    }

    /// The index files, opened so the flusher can fsync them without the partition lock.
    func openIndexFiles() throws -> [OpenFile] {
        try [offsetIndexPath, timeIndexPath].map { try OpenFile.open($0, create: false) }
    }

    /// Modification time of the `.log`; retention uses it for segments whose batches carry no timestamp.
    func lastModifiedMilliseconds() throws -> Int64 {
        var info = stat()
        guard fstat(file.descriptor, &info) == 0 else { throw LogError.io(operation: "fstat", path: logPath, errno: errno) }
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    /// Removes the segment's files. Open descriptors (a fetch in flight) keep the data readable.
    func deleteFiles() throws {
        for path in [logPath, offsetIndexPath, timeIndexPath] { try FileSystem.removeFile(path) }
    }

    // MARK: Loading

    private struct UntrustedIndex: Error {
        var file: String
        var reason: String
    }

    /// Loads the index files and reads the few batches after the last indexed one to learn the
    /// segment's end. Fails (so the caller rebuilds) when a file is missing or inconsistent with the log.
    private func loadIndexes(fileSize: Int, indexIntervalBytes: Int) throws -> Result<Void, UntrustedIndex> {
        let offsetName = SegmentFileName.name(baseOffset, SegmentFileName.offsetIndex)
        let timeName = SegmentFileName.name(baseOffset, SegmentFileName.timeIndex)
        guard let offsetBytes = try FileSystem.readFile(offsetIndexPath) else {
            return .failure(UntrustedIndex(file: offsetName, reason: "missing"))
        }
        guard let timeBytes = try FileSystem.readFile(timeIndexPath) else {
            return .failure(UntrustedIndex(file: timeName, reason: "missing"))
        }
        switch OffsetIndex.parse(offsetBytes, baseOffset: baseOffset, logSize: fileSize) {
        case .success(let index): offsetIndex = index
        case .failure(let problem): return .failure(UntrustedIndex(file: offsetName, reason: problem.description))
        }
        switch TimeIndex.parse(timeBytes, baseOffset: baseOffset) {
        case .success(let index): timeIndex = index
        case .failure(let problem): return .failure(UntrustedIndex(file: timeName, reason: problem.description))
        }
        size = fileSize
        if let last = offsetIndex.last {
            guard case .batch(let header) = try file.batch(at: last.position, end: fileSize, verifyCRC: false),
                header.lastOffset == last.offset
            else {
                return .failure(UntrustedIndex(file: offsetName, reason: "last entry does not match the batch at position \(last.position)"))
            }
        }
        // Every batch a producer sends carries a timestamp, so an empty time index for a segment with
        // data means a lost file. (A segment whose batches all lack one is merely rescanned.)
        if timeIndex.count == 0 && fileSize > 0 {
            return .failure(UntrustedIndex(file: timeName, reason: "empty for a segment with data"))
        }
        if let last = timeIndex.last {
            maxTimestamp = last.timestamp
            offsetOfMaxTimestamp = last.offset
            guard let batch = try? locate(last.offset), batch.header.lastOffset == last.offset,
                batch.header.maxTimestamp == last.timestamp
            else {
                return .failure(UntrustedIndex(file: timeName, reason: "last entry does not match a batch in the log"))
            }
        }
        guard try resumeTracking(fileSize: fileSize, indexIntervalBytes: indexIntervalBytes) else {
            return .failure(UntrustedIndex(file: logFileName, reason: "batches after the last index entry do not parse"))
        }
        indexFilesStale = false
        return .success(())
    }

    /// Reads the batches from the last indexed one to the end, restoring the counters an append
    /// would have left. Returns false when the tail does not parse.
    private func resumeTracking(fileSize: Int, indexIntervalBytes: Int) throws -> Bool {
        if fileSize > 0, case .batch(let first) = try file.batch(at: 0, end: fileSize, verifyCRC: false) {
            firstBatchTimestamp = first.maxTimestamp
        }
        let resumePosition = offsetIndex.last?.position ?? 0
        var position = resumePosition
        bytesSinceLastIndexEntry = 0
        while true {
            switch try file.batch(at: position, end: fileSize, verifyCRC: false) {
            case .end: return true
            case .invalid: return false
            case .batch(let header):
                let alreadyIndexed = offsetIndex.last != nil && position == resumePosition
                track(header, at: position, indexIntervalBytes: indexIntervalBytes, mayIndex: !alreadyIndexed)
                position += header.totalSize
            }
        }
    }

    /// Scans the data from the start, rebuilding indexes and counters, and truncates the file at the
    /// first batch that is torn, fails its CRC, or does not follow its predecessor's offsets.
    private func rebuild(
        fileSize: Int, indexIntervalBytes: Int, verifyCRC: Bool = true,
        actions: inout [RecoveryReport.Action], onScannedBatch: (RecordBatchHeader) -> Void
    ) throws {
        offsetIndex.removeAll()
        timeIndex.removeAll()
        maxTimestamp = -1
        offsetOfMaxTimestamp = baseOffset
        firstBatchTimestamp = nil
        nextOffset = baseOffset
        bytesSinceLastIndexEntry = 0
        size = fileSize
        var position = 0
        var batches = 0
        var problem: String?
        scan: while true {
            switch try file.batch(at: position, end: fileSize, verifyCRC: verifyCRC) {
            case .end: break scan
            case .invalid(let reason):
                problem = reason
                break scan
            case .batch(let header):
                guard header.baseOffset >= nextOffset, header.lastOffset - baseOffset <= Int64(Int32.max) else {
                    problem = "batch at position \(position) has offset \(header.baseOffset), expected at least \(nextOffset)"
                    break scan
                }
                track(header, at: position, indexIntervalBytes: indexIntervalBytes, mayIndex: true)
                onScannedBatch(header)
                position += header.totalSize
                batches += 1
            }
        }
        if verifyCRC { actions.append(.scanned(file: logFileName, batches: batches)) }
        if let problem {
            try file.truncate(to: position)
            actions.append(.truncated(file: logFileName, position: position, bytesRemoved: fileSize - position, reason: problem))
        }
        size = position
        syncedSize = min(syncedSize, position)
        indexFilesStale = true
    }

    /// Updates counters and the sparse indexes for a batch at `position`, as Kafka's LogSegment.append does.
    private func track(_ header: RecordBatchHeader, at position: Int, indexIntervalBytes: Int, mayIndex: Bool) {
        if header.maxTimestamp > maxTimestamp {
            maxTimestamp = header.maxTimestamp
            offsetOfMaxTimestamp = header.lastOffset
        }
        if mayIndex && bytesSinceLastIndexEntry > indexIntervalBytes {
            offsetIndex.append(lastOffset: header.lastOffset, position: position)
            timeIndex.maybeAppend(timestamp: maxTimestamp, offset: offsetOfMaxTimestamp)
            bytesSinceLastIndexEntry = 0
        }
        bytesSinceLastIndexEntry += header.totalSize
        if firstBatchTimestamp == nil { firstBatchTimestamp = header.maxTimestamp }
        nextOffset = header.nextOffset
    }
}

/// A run of whole batches in one segment file.
struct SegmentSlice: Equatable {
    var position: Int
    var length: Int
    /// Base offset of the first batch (may precede the requested offset, as Kafka's fetch does).
    var firstOffset: Offset
    /// The offset after the last batch in the slice.
    var nextOffset: Offset
}
