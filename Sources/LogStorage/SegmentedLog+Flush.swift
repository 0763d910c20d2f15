import KafkaProtocol

/// The files one flush must fsync to make every offset below `target` durable, captured under the
/// partition lock and synced without it.
struct FlushJob {
    var target: Offset
    var logFiles: [(segment: Offset, file: OpenFile, size: Int)]
    var indexFiles: [(segment: Offset, files: [OpenFile], writes: Int)]
    var directory: (file: OpenFile, changes: Int)?
    var truncations: Int

    func sync(with syncer: FileSyncer) throws {
        for entry in logFiles { try syncer.sync(entry.file) }
        for entry in indexFiles { for file in entry.files { try syncer.sync(file) } }
        try directory?.file.fsync()
    }
}

extension SegmentedLog {
    /// What must be synced now; nil when everything below the log end is already durable.
    func prepareFlush() throws -> FlushJob? {
        let logFiles = segments.filter { $0.syncedSize < $0.size }.map { (segment: $0.baseOffset, file: $0.file, size: $0.size) }
        let indexFiles = try segments.filter(\.indexFilesNeedSync).map {
            (segment: $0.baseOffset, files: try $0.openIndexFiles(), writes: $0.indexWrites)
        }
        let directory = directoryChanges == syncedDirectoryChanges ? nil : (file: directoryHandle, changes: directoryChanges)
        guard !logFiles.isEmpty || !indexFiles.isEmpty || directory != nil || recoveryPoint < logEndOffset else { return nil }
        return FlushJob(target: logEndOffset, logFiles: logFiles, indexFiles: indexFiles, directory: directory, truncations: truncations)
    }

    /// Records a finished flush. A truncation since `prepareFlush` makes the job's view of the files
    /// stale, so then nothing advances and the next flush redoes the work.
    func completeFlush(_ job: FlushJob) {
        guard job.truncations == truncations else { return }
        recoveryPoint = max(recoveryPoint, min(job.target, logEndOffset))
        for entry in job.logFiles {
            if let segment = segments.first(where: { $0.baseOffset == entry.segment }) {
                segment.syncedSize = max(segment.syncedSize, min(entry.size, segment.size))
            }
        }
        for entry in job.indexFiles {
            segments.first(where: { $0.baseOffset == entry.segment })?.syncedIndexWrites = entry.writes
        }
        if let directory = job.directory { syncedDirectoryChanges = max(syncedDirectoryChanges, directory.changes) }
    }

    /// Flushes on the calling thread (open after a crash, close).
    func flushNow(with syncer: FileSyncer) throws {
        guard let job = try prepareFlush() else { return }
        try job.sync(with: syncer)
        completeFlush(job)
    }

    /// A clean close: index files and a producer snapshot written, everything fsynced, and the
    /// checkpoint marked clean so the next open trusts the index files instead of rescanning.
    func close(with syncer: FileSyncer) throws {
        for segment in segments where segment.indexFilesStale { try segment.writeIndexFiles() }
        try writeProducerSnapshot()
        directoryChanges += 1
        try flushNow(with: syncer)
        try Self.writeCheckpoint(checkpoint(cleanShutdown: true), directory: directory)
    }
}
