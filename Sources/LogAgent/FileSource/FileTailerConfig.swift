/// Where to start in a file the tailer has no checkpoint for.
public enum ReadFrom: String, Sendable {
    case beginning, end
}

/// Settings of one file source's tailer; durations in milliseconds.
public struct FileTailerConfig: Sendable {
    public var discovery: PathDiscovery
    /// Applies only to files found by the first scan without a checkpoint; files appearing later
    /// are always read from their beginning (they are new, so all their lines are unread).
    public var readFrom: ReadFrom = .beginning
    public var fingerprintBytes = 256
    public var rescanIntervalMs: Int64 = 1000
    /// A file no longer found under any included path (rotated away, deleted) is read to its end
    /// and closed once it has not grown for this long.
    public var idleCloseMs: Int64 = 5000
    public var maximumLineBytes = 256 * 1024
    /// Reading stops while this many bytes of handed-out lines are unacknowledged (it may
    /// overshoot by one read chunk plus one line). Each pending line costs roughly ten times its
    /// length in agent and librdkafka memory, so this is the main term of the agent's peak RSS.
    public var maximumPendingBytes = 8 << 20
    public var readChunkBytes = 64 * 1024
    public var multiline: MultilineConfig?
    public var checkpointPath: String

    public init(discovery: PathDiscovery, checkpointPath: String) {
        self.discovery = discovery
        self.checkpointPath = checkpointPath
    }
}

/// Identifies one handed-out record for its acknowledgement: the read session of a file (a new
/// one after truncation) and the offset after the record.
public struct FilePosition: Sendable, Hashable {
    let stream: UInt64
    public let endOffset: UInt64
}

/// A line (or multiline record) read by the tailer, with the position that acknowledges it.
public struct TailedRecord: Sendable {
    public var event: LogEvent
    public let position: FilePosition
}
