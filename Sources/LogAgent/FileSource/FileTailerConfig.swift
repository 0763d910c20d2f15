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
    /// overshoot by one read chunk plus one line). This is the main term of the agent's peak RSS:
    /// about 4 bytes per pending byte (the line, librdkafka's message, its message set and
    /// compression buffers). 512 KiB keeps a raw shipper at about 400k lines/s (1 MiB: ~550k) with
    /// 2 MiB less peak memory; see benchmarks/agent_vs_rsyslog.md.
    public var maximumPendingBytes = 512 * 1024
    public var readChunkBytes = 64 * 1024
    public var multiline: MultilineConfig?
    public var checkpointPath: String

    public init(discovery: PathDiscovery, checkpointPath: String) {
        self.discovery = discovery
        self.checkpointPath = checkpointPath
    }
}

/// Identifies handed-out lines for their acknowledgement: the read session of a file (a new one
/// after truncation) and the offset after the last line acknowledged.
public struct FilePosition: Sendable, Hashable {
    let stream: UInt64
    public let endOffset: UInt64
}

/// Lines (or multiline records) read by the tailer in one go, with the position that acknowledges
/// them all; `FilePosition(stream: position.stream, endOffset: line.end)` acknowledges them up to `line`.
public struct TailedLines: Sendable {
    public let block: LineBlock
    public let position: FilePosition
}
