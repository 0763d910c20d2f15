import Logging

/// Follows a set of log files and hands out their lines exactly in file order, with at-least-once
/// guarantees across rotation, truncation, deletion and restarts.
///
/// - Identity: a file is its device and inode; a checkpoint also carries a fingerprint of the
///   first bytes, so after a restart it is only applied to the same content, never to a new file
///   that reuses the inode.
/// - Rotation by rename: the open descriptor keeps reading the renamed file to its end; the new
///   file at the old path is found by the next rescan and read from its beginning. A file found
///   under no included path any more is closed once it is at its end and idle for `idleCloseMs`.
/// - Truncation (copytruncate) and rewrite: a file smaller than the read offset, or whose first
///   bytes changed, is read again from 0 as a new stream. Lines written before the truncation
///   that were not read yet are gone: that is inherent to copytruncate. A line whose beginning
///   was read before the truncation is handed out as that fragment.
/// - An unterminated last line is held until its newline arrives, or handed out as it is when
///   the file is closed.
/// - Checkpoints advance only through `acknowledge(_:)`, never past a record that was not
///   acknowledged, so after a crash or restart unacknowledged records are read again (duplicates)
///   and acknowledged ones are not.
/// - Lines are handed out in blocks (`TailedLines`): the lines of one read, pointing into its
///   buffer. A block is acknowledged as a whole, or part of the way up to one of its lines.
/// - Memory: reading stops while `maximumPendingBytes` of handed-out lines are unacknowledged.
///
/// Not thread-safe: one owner drives `poll`, `acknowledge` and `persistCheckpoints`. Time is
/// passed in (milliseconds), so tests drive it.
public final class FileTailer {
    public let config: FileTailerConfig
    private let host: String
    private let logger: Logger
    private let store: CheckpointStore

    private var files: [FileKey: TailedFile] = [:]
    private var fileKeysByStream: [UInt64: FileKey] = [:]
    /// Windows of closed files or of streams before a truncation: still counted for backpressure
    /// until their records are acknowledged, but no longer checkpointed.
    private var retiredWindows: [UInt64: AcknowledgementWindow] = [:]
    private var savedCheckpoints: [FileCheckpoint]
    private var lastStream: UInt64 = 0
    private var lastRescan: Int64?
    private var hasScanned = false
    private var pollCount = 0
    private var lastPersisted: [FileCheckpoint]?

    public init(config: FileTailerConfig, host: String, logger: Logger = Logger(label: "logport.agent.file")) throws {
        self.config = config
        self.host = host
        self.logger = logger
        store = CheckpointStore(path: config.checkpointPath)
        savedCheckpoints = try store.load()
    }

    /// Bytes handed out and not yet acknowledged, over all files.
    public var pendingBytes: Int {
        files.values.reduce(0) { $0 + $1.window.pendingBytes } + retiredWindows.values.reduce(0) { $0 + $1.pendingBytes }
    }

    /// Per followed file: its path and the bytes read so far (for lag metrics).
    public var readPositions: [(path: String, readOffset: UInt64)] {
        files.values.map { ($0.path, $0.readOffset) }
    }

    /// Whether reading is stopped until more records are acknowledged.
    public var isBackpressured: Bool { pendingBytes >= config.maximumPendingBytes }

    /// The files currently open, for diagnostics and tests.
    var followedKeys: Set<FileKey> { Set(files.keys) }

    /// One step: rescans when due, reads what the files have (within the pending-bytes limit),
    /// completes timed-out multiline events and closes idle files that are gone. Errors on a
    /// single file are logged and that file is retried on the next poll.
    public func poll(now: Int64) -> [TailedLines] {
        if lastRescan.map({ now - $0 >= config.rescanIntervalMs }) ?? true {
            rescan(now: now)
            lastRescan = now
        }
        var output: [TailedLines] = []
        // Start with a different file each poll, so that under backpressure a busy file cannot
        // take the whole budget every time and starve the others.
        let keys = files.keys.sorted { ($0.device, $0.inode) < ($1.device, $1.inode) }
        pollCount += 1
        let first = keys.isEmpty ? 0 : pollCount % keys.count
        for key in keys[first...] + keys[..<first] {
            guard let file = files[key] else { continue }
            do {
                try read(file, now: now, into: &output)
            } catch {
                logger.warning("reading log file failed", metadata: ["path": "\(file.path)", "error": "\(error)"])
            }
            if let record = file.multiline?.flushIfIdle(now: now) { emit([record], from: file, now: now, into: &output) }
            closeIfDone(file, now: now, into: &output)
        }
        return output
    }

    /// Marks a handed-out block delivered (its position), or delivered up to the end of one of its
    /// lines; the file's checkpoint moves once everything before it is acknowledged too.
    public func acknowledge(_ position: FilePosition) {
        if let key = fileKeysByStream[position.stream], let file = files[key], file.stream == position.stream {
            file.window.acknowledge(end: position.endOffset)
        } else if var window = retiredWindows[position.stream] {
            window.acknowledge(end: position.endOffset)
            retiredWindows[position.stream] = window.isEmpty ? nil : window
        }
    }

    /// The checkpoints of the open files as they stand, plus (before the first scan) the loaded
    /// ones not matched yet, so saving early never forgets them.
    public var checkpoints: [FileCheckpoint] {
        savedCheckpoints + files.values.sorted { $0.path < $1.path }.map {
            FileCheckpoint(key: $0.key, fingerprint: $0.fingerprint, offset: $0.window.committedOffset, path: $0.path)
        }
    }

    /// Writes the checkpoints durably (see `CheckpointStore`), unless they are what was last
    /// written: an idle host does not fsync every interval.
    public func persistCheckpoints() throws {
        let current = checkpoints
        guard current != lastPersisted else { return }
        try store.save(current)
        lastPersisted = current
    }

    // MARK: Discovery

    private func rescan(now: Int64) {
        var seen = Set<FileKey>()
        for path in config.discovery.paths() {
            guard let status = FileStatus.of(path: path), status.isRegularFile, !seen.contains(status.key) else { continue }
            seen.insert(status.key)
            if let file = files[status.key] {
                file.path = path
                file.goneSince = nil
                continue
            }
            do {
                if let file = try open(path, now: now) {
                    seen.insert(file.key)
                    files[file.key] = file
                    fileKeysByStream[file.stream] = file.key
                }
            } catch {
                logger.warning("opening log file failed", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
        for file in files.values where !seen.contains(file.key) && file.goneSince == nil {
            file.goneSince = now
        }
        if !hasScanned {
            for checkpoint in savedCheckpoints {
                logger.info("dropping checkpoint of a file no longer found", metadata: [
                    "path": "\(checkpoint.path)", "file": "\(checkpoint.key)", "offset": "\(checkpoint.offset)",
                ])
            }
            savedCheckpoints = []
            hasScanned = true
        }
    }

    /// Opens a newly found file and decides where to start; nil when it is already followed
    /// (a race: the path was replaced between stat and open).
    private func open(_ path: String, now: Int64) throws(FileSourceError) -> TailedFile? {
        let handle = try OpenLogFile(path: path)
        let status = try handle.status()
        guard files[status.key] == nil else { return nil }
        let prefix = try handle.read(at: 0, count: config.fingerprintBytes)
        var start: UInt64 = !hasScanned && config.readFrom == .end ? status.size : 0
        if let index = savedCheckpoints.firstIndex(where: { $0.key == status.key && $0.fingerprint.matchesStart(of: prefix) }) {
            let checkpoint = savedCheckpoints.remove(at: index)
            start = checkpoint.offset <= status.size ? checkpoint.offset : 0
            logger.debug("resuming log file", metadata: ["path": "\(path)", "offset": "\(start)"])
        }
        lastStream += 1
        return TailedFile(
            stream: lastStream, key: status.key, path: path, handle: handle, fingerprint: FileFingerprint(of: prefix),
            start: start, config: config, now: now)
    }

    // MARK: Reading

    private func read(_ file: TailedFile, now: Int64, into output: inout [TailedLines]) throws(FileSourceError) {
        let status = try file.handle.status()
        let truncated = status.size < file.readOffset
        if truncated || status.size > file.readOffset || file.fingerprint.length < min(config.fingerprintBytes, Int(status.size)) {
            let prefix = try file.handle.read(at: 0, count: config.fingerprintBytes)
            if truncated {
                restart(file, reason: "truncated to \(status.size) bytes below offset \(file.readOffset)", now: now, into: &output)
            } else if !file.fingerprint.matchesStart(of: prefix) {
                restart(file, reason: "its first bytes changed", now: now, into: &output)
            }
            file.fingerprint = FileFingerprint(of: prefix)
        }
        while file.readOffset < status.size, pendingBytes < config.maximumPendingBytes {
            let count = Int(min(UInt64(file.splitter.readSize(chunkBytes: config.readChunkBytes)), status.size - file.readOffset))
            let (handle, offset) = (file.handle, file.readOffset)
            var added = 0
            guard let read = try file.splitter.read(atMost: count, { buffer, count throws(FileSourceError) in
                added = try handle.read(at: offset, count: count, appendingTo: &buffer)
                return added
            }) else { break }
            file.readOffset += UInt64(added)
            file.lastGrowth = now
            add(read, from: file, now: now, into: &output)
        }
    }

    /// Hands out the lines of a read, in place; or, with multiline, the records they complete.
    private func add(_ read: LineSplitter.Read, from file: TailedFile, now: Int64, into output: inout [TailedLines]) {
        guard file.multiline != nil else {
            emit(LineBlock(bytes: read.bytes, lines: read.lines, timestamp: now, host: host, source: file.path), start: read.start,
                 from: file, into: &output)
            return
        }
        var start = read.start
        var completed: [FileRecord] = []
        for line in read.lines {
            let record = FileRecord(text: String(decoding: read.bytes.readableBytesView.dropFirst(line.offset).prefix(line.count), as: UTF8.self),
                                    start: start, end: line.end)
            start = line.end
            completed += file.multiline?.add(record, now: now) ?? []
        }
        emit(completed, from: file, now: now, into: &output)
    }

    /// Hands out records that are not in a read buffer (joined multiline records, a flushed
    /// unterminated line), copied into a block of their own.
    private func emit(_ records: [FileRecord], from file: TailedFile, now: Int64, into output: inout [TailedLines]) {
        guard let first = records.first else { return }
        emit(LineBlock(copying: records, timestamp: now, host: host, source: file.path), start: first.start, from: file, into: &output)
    }

    private func emit(_ block: LineBlock, start: UInt64, from file: TailedFile, into output: inout [TailedLines]) {
        guard let end = block.lines.last?.end else { return }
        file.window.track(start: start, end: end)
        output.append(TailedLines(block: block, position: FilePosition(stream: file.stream, endOffset: end)))
    }

    /// Hands out what was read but held back (an unterminated last line, a multiline event).
    private func flushHeldBack(_ file: TailedFile, now: Int64, into output: inout [TailedLines]) {
        var records: [FileRecord] = []
        if let partial = file.splitter.flush() {
            records += file.multiline == nil ? [partial] : file.multiline?.add(partial, now: now) ?? []
        }
        if let record = file.multiline?.flush() { records.append(record) }
        emit(records, from: file, now: now, into: &output)
    }

    /// Starts the file over from offset 0 as a new stream (after truncation or a rewrite).
    private func restart(_ file: TailedFile, reason: String, now: Int64, into output: inout [TailedLines]) {
        logger.info("log file restarted from the beginning", metadata: ["path": "\(file.path)", "reason": "\(reason)"])
        flushHeldBack(file, now: now, into: &output)
        retire(file.window, of: file.stream)
        fileKeysByStream[file.stream] = nil
        lastStream += 1
        file.reset(stream: lastStream, config: config)
        fileKeysByStream[file.stream] = file.key
    }

    private func closeIfDone(_ file: TailedFile, now: Int64, into output: inout [TailedLines]) {
        guard let goneSince = file.goneSince, now - max(goneSince, file.lastGrowth) >= config.idleCloseMs,
            let size = try? file.handle.status().size, size <= file.readOffset
        else { return }
        logger.debug("closing log file that is gone and idle", metadata: ["path": "\(file.path)"])
        flushHeldBack(file, now: now, into: &output)
        retire(file.window, of: file.stream)
        fileKeysByStream[file.stream] = nil
        files[file.key] = nil
    }

    private func retire(_ window: AcknowledgementWindow, of stream: UInt64) {
        if !window.isEmpty { retiredWindows[stream] = window }
    }
}

/// The reading state of one open file.
private final class TailedFile {
    private(set) var stream: UInt64
    let key: FileKey
    var path: String
    let handle: OpenLogFile
    var fingerprint: FileFingerprint
    var readOffset: UInt64
    var splitter: LineSplitter
    var multiline: MultilineAggregator?
    var window: AcknowledgementWindow
    var lastGrowth: Int64
    /// When the last rescan stopped finding it under any included path.
    var goneSince: Int64?

    init(stream: UInt64, key: FileKey, path: String, handle: OpenLogFile, fingerprint: FileFingerprint, start: UInt64,
         config: FileTailerConfig, now: Int64)
    {
        self.stream = stream
        self.key = key
        self.path = path
        self.handle = handle
        self.fingerprint = fingerprint
        readOffset = start
        splitter = LineSplitter(startOffset: start, maximumLineBytes: config.maximumLineBytes)
        multiline = config.multiline.map(MultilineAggregator.init)
        window = AcknowledgementWindow(committedOffset: start)
        lastGrowth = now
    }

    func reset(stream: UInt64, config: FileTailerConfig) {
        self.stream = stream
        readOffset = 0
        fingerprint = FileFingerprint(of: [])
        splitter = LineSplitter(startOffset: 0, maximumLineBytes: config.maximumLineBytes)
        multiline = config.multiline.map(MultilineAggregator.init)
        window = AcknowledgementWindow(committedOffset: 0)
    }
}
