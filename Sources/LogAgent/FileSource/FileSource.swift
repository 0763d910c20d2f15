import Logging
import NIOConcurrencyHelpers

/// The pipeline's file source: polls a `FileTailer`, emits its blocks of lines with receipts that
/// acknowledge them back to the tailer, and saves checkpoints every `checkpointIntervalMs` and at
/// shutdown (after the pipeline drained, so the last acknowledgements are in).
public final class FileSource: EventSource, ReceiptTarget, @unchecked Sendable {
    // Safe to send: `tailer` is only touched while holding `tailerLock`; the rest is immutable
    // or a locked box.
    private let tailerLock = NIOLock()
    private let tailer: FileTailer
    private let acknowledged = NIOLockedValueBox<[FilePosition]>([])
    private let pollIntervalMs: Int64
    private let checkpointIntervalMs: Int64
    private let logger: Logger

    public init(
        config: FileTailerConfig, host: String, pollIntervalMs: Int64 = 250, checkpointIntervalMs: Int64 = 1000,
        logger: Logger = Logger(label: "logport.agent.file")
    ) throws {
        tailer = try FileTailer(config: config, host: host, logger: logger)
        self.pollIntervalMs = max(1, pollIntervalMs)
        self.checkpointIntervalMs = checkpointIntervalMs
        self.logger = logger
    }

    public func run(emitter: EventEmitter) async throws {
        var lastCheckpoint = WallClock.nowMilliseconds()
        while !Task.isCancelled {
            let now = WallClock.nowMilliseconds()
            let (blocks, backpressured) = withTailer { tailer in (tailer.poll(now: now), tailer.isBackpressured) }
            if now - lastCheckpoint >= checkpointIntervalMs {
                // A failed save only makes a restart repeat more lines; reading goes on.
                do {
                    try withTailer { try $0.persistCheckpoints() }
                } catch {
                    logger.error("saving file checkpoints failed", metadata: ["error": "\(error)"])
                }
                lastCheckpoint = now
            }
            if blocks.isEmpty {
                // Held back by unacknowledged lines, reading resumes as soon as acknowledgements
                // come in; waiting a whole poll interval would idle the pipeline.
                try? await Task.sleep(for: .milliseconds(backpressured ? min(pollIntervalMs, 2) : pollIntervalMs))
                continue
            }
            for tailed in blocks {
                let receipt = DeliveryReceipt(target: self, token: ReceiptToken(stream: tailed.position.stream, offset: tailed.position.endOffset))
                guard await emitter.emit(EventBatch(lines: tailed.block, receipt: receipt)) else { return }
            }
        }
    }

    /// A block's acknowledgement (or its lines' up to one), from a sink's delivery callback:
    /// queued for the tailer, which ignores repeats.
    public func acknowledge(_ token: ReceiptToken) {
        acknowledged.withLockedValue { $0.append(FilePosition(stream: token.stream, endOffset: token.offset)) }
    }

    public func shutdown() async throws {
        try withTailer { try $0.persistCheckpoints() }
    }

    /// How far reading lags behind the followed files, their sizes read now.
    public func progress() -> FileSourceProgress {
        let (positions, pending) = withTailer { ($0.readPositions, $0.pendingBytes) }
        let files = positions.map { position in
            let size = FileStatus.of(path: position.path)?.size ?? position.readOffset
            return FileSourceProgress.File(path: position.path, unreadBytes: size > position.readOffset ? size - position.readOffset : 0)
        }
        return FileSourceProgress(files: files.sorted { $0.path < $1.path }, pendingBytes: pending)
    }

    /// Applies the acknowledgements that arrived since the last call, then runs `body` on the tailer.
    private func withTailer<Result>(_ body: (FileTailer) throws -> Result) rethrows -> Result {
        try tailerLock.withLock {
            let positions = acknowledged.withLockedValue { positions in
                defer { positions.removeAll(keepingCapacity: true) }
                return positions
            }
            for position in positions { tailer.acknowledge(position) }
            return try body(tailer)
        }
    }
}
