import KafkaProtocol

/// What opening a partition log found and repaired, for the operator's log and for tests.
public struct RecoveryReport: Sendable, Equatable {
    public enum Action: Sendable, Equatable, CustomStringConvertible {
        /// Every batch of a segment that may hold unflushed data was read and CRC-checked.
        case scanned(file: String, batches: Int)
        /// A torn or corrupt tail was cut off: the log now ends at `position`.
        case truncated(file: String, position: Int, bytesRemoved: Int, reason: String)
        case rebuiltIndex(file: String, reason: String)
        /// A segment after a truncation point (or empty and misplaced) was removed.
        case deletedSegment(file: String, reason: String)
        /// A leftover temporary or orphaned index file was removed.
        case removedStrayFile(file: String)
        /// A checkpoint or snapshot that did not parse was ignored (and rebuilt from the log).
        case discardedFile(file: String, reason: String)

        public var description: String {
            switch self {
            case .scanned(let file, let batches): return "scanned \(file): \(batches) batches CRC-checked"
            case .truncated(let file, let position, let removed, let reason):
                return "truncated \(file) at position \(position), removing \(removed) bytes: \(reason)"
            case .rebuiltIndex(let file, let reason): return "rebuilt \(file): \(reason)"
            case .deletedSegment(let file, let reason): return "deleted \(file): \(reason)"
            case .removedStrayFile(let file): return "removed stray file \(file)"
            case .discardedFile(let file, let reason): return "discarded \(file): \(reason)"
            }
        }
    }

    /// True when the previous close was clean, so only the active segment's tail was read.
    public var cleanShutdown: Bool
    public var actions: [Action] = []
    /// The producer state snapshot the idempotence state was loaded from, if any.
    public var producerSnapshotOffset: Offset?
    /// Batch headers read after the snapshot to bring producer state up to the log end.
    public var producerBatchesScanned = 0
    public var logStartOffset: Offset = 0
    public var logEndOffset: Offset = 0

    /// True when a CRC scan or truncation happened (segments were rescanned after an unclean stop).
    public var scannedSegments: [String] {
        actions.compactMap { if case .scanned(let file, _) = $0 { return file } else { return nil } }
    }
}
