import KafkaProtocol
import NIOCore

/// The four offsets a partition reports, kept distinct because replication and transactions will
/// separate them: the log start offset (first readable), the high watermark (what consumers may
/// read; on one node it equals the log end after every append), the last stable offset (the high
/// watermark until transactions exist) and the log end offset (where the next append goes).
public struct LogOffsets: Sendable, Equatable {
    public var logStartOffset: Offset
    public var highWatermark: Offset
    public var lastStableOffset: Offset
    public var logEndOffset: Offset

    public init(logStartOffset: Offset, highWatermark: Offset, lastStableOffset: Offset, logEndOffset: Offset) {
        self.logStartOffset = logStartOffset
        self.highWatermark = highWatermark
        self.lastStableOffset = lastStableOffset
        self.logEndOffset = logEndOffset
    }
}

extension LogOffsets {
    /// The offset a read stops before.
    func limit(of bound: ReadBound) -> Offset {
        switch bound {
        case .highWatermark: return highWatermark
        case .lastStableOffset: return lastStableOffset
        case .logEndOffset: return logEndOffset
        case .offset(let offset): return min(offset, logEndOffset)
        }
    }
}

/// What an append did, for the produce response.
public struct AppendInfo: Sendable, Equatable {
    public var firstOffset: Offset
    public var lastOffset: Offset
    /// The largest batch max-timestamp appended (the broker's clock for LogAppendTime topics).
    public var maxTimestamp: Int64
    public var offsetOfMaxTimestamp: Offset
    /// The broker's timestamp for LogAppendTime topics, -1 for CreateTime (as the produce response wants).
    public var logAppendTime: Int64
    public var logStartOffset: Offset
    public var recordCount: Int
    /// True when the batch was a retry of one already in the log: nothing was appended and the
    /// offsets are the original ones, which the broker answers with as a success.
    public var isDuplicate: Bool
}

/// Where a read stops: consumers read up to the high watermark (read_uncommitted) or the last stable
/// offset (read_committed); followers up to the log end.
public enum ReadBound: Sendable, Equatable {
    case highWatermark
    case lastStableOffset
    case logEndOffset
    case offset(Offset)
}

/// Whole batches of a fetch: a region of a segment file, to be written with sendfile, or for a
/// consumer at the tail the bytes of the newest small appends, still in memory.
public struct LogReadResult: Sendable {
    /// nil when there is nothing to return. The caller owns a `.file` region's handle (a duplicated
    /// descriptor) and must close it once the region has been written or dropped.
    public var records: RecordsPayload?
    /// Base offset of the first batch returned: the batch containing the requested offset, which
    /// may start before it (consumers skip the records they did not ask for, as with Kafka).
    public var firstOffset: Offset?
    /// The offset after the last batch returned (the requested offset when nothing was returned).
    public var nextOffset: Offset
    public var offsets: LogOffsets

    public var byteCount: Int { records?.byteCount ?? 0 }

    /// The file region, when the records are read from a segment file (always, for `PartitionLog.read`).
    public var region: FileRegion? {
        if case .file(let region) = records { return region }
        return nil
    }

    /// Closes a file region's handle; for callers that end up not sending it.
    public func closeFile() throws {
        try region?.fileHandle.close()
    }
}

/// The same read as `LogReadResult`, copied into memory (for tools and tests).
public struct LogBufferReadResult: Sendable, Equatable {
    public var records: ByteBuffer
    public var firstOffset: Offset?
    public var nextOffset: Offset
    public var offsets: LogOffsets
}

/// An offset found by timestamp (ListOffsets), with the timestamp of the batch holding it.
public struct TimestampOffset: Sendable, Equatable {
    public var offset: Offset
    public var timestamp: Int64

    public init(offset: Offset, timestamp: Int64) {
        self.offset = offset
        self.timestamp = timestamp
    }
}
