import KafkaProtocol
import KafkaRecords
import NIOCore

/// What the broker needs from a partition's log. `LogStorage.PartitionLog` implements it on disk;
/// tests can substitute an in-memory log. All calls may block on file I/O: the broker makes them
/// from its storage thread pool, never from an event loop.
protocol PartitionStorage: AnyObject, Sendable {
    var offsets: PartitionOffsets { get }
    /// The topic's `max.message.bytes`: the largest batch a producer may append.
    var maxMessageBytes: Int { get }
    /// Appends validated magic-v2 batches, assigning offsets from the log end offset.
    func append(_ records: ByteBuffer, leaderEpoch: LeaderEpoch, now: Int64) throws -> AppendResult
    /// Whole batches from `offset` up to the high watermark, at most `maxBytes` (but at least one
    /// batch when `minOneBatch`), as a file region to send with sendfile.
    func read(from offset: Offset, maxBytes: Int, minOneBatch: Bool) throws -> PartitionRead
    /// The first offset whose record has a timestamp ≥ `timestamp`, with that record's timestamp.
    func offset(forTimestamp timestamp: Int64) throws -> (offset: Offset, timestamp: Int64)?
    /// The offset and timestamp of the record with the largest timestamp (ListOffsets MAX_TIMESTAMP).
    func offsetOfMaxTimestamp() throws -> (offset: Offset, timestamp: Int64)?
    /// Moves the log start offset forward (DeleteRecords); returns the new log start offset.
    func deleteRecords(before offset: Offset) throws -> Offset
    /// Calls back once every record below `offset` is on stable storage (fsync).
    func whenDurable(upTo offset: Offset, _ callback: @escaping @Sendable (Error?) -> Void)
}

/// The offsets a partition reports. On one node the high watermark equals the log end offset and
/// the last stable offset equals the high watermark; replication and transactions will separate them.
struct PartitionOffsets: Sendable, Equatable {
    var logStartOffset: Offset
    var highWatermark: Offset
    var lastStableOffset: Offset
    var logEndOffset: Offset
}

struct AppendResult: Sendable {
    var firstOffset: Offset
    var lastOffset: Offset
    /// The broker's timestamp for LogAppendTime topics, -1 for CreateTime.
    var logAppendTime: Int64
    var logStartOffset: Offset
}

/// A read's bytes and the file handle to close once they are on the wire.
struct PartitionRead: Sendable {
    var records: RecordsPayload?
    var offsets: PartitionOffsets
    var release: (@Sendable () -> Void)?
}

/// Topic metadata the broker serves and changes.
struct TopicInfo: Sendable, Equatable {
    var name: String
    var id: KafkaUUID
    var partitionCount: Int32
    /// Only the topic's own overrides (`retention.ms`…), not the broker defaults.
    var configOverrides: [String: String]
    var isInternal: Bool { name.hasPrefix("__") }
}

/// The catalog of topics and their partition logs. `LogStorage.LogManager` implements it.
protocol TopicStorage: AnyObject, Sendable {
    func topics() -> [TopicInfo]
    func topic(named name: String) -> TopicInfo?
    func createTopic(name: String, partitions: Int32, config: [String: String]) throws -> TopicInfo
    func deleteTopic(name: String) throws
    func addPartitions(topic: String, totalCount: Int32) throws
    /// Replaces the topic's overrides with `config` (validated by storage).
    func setConfig(topic: String, config: [String: String]) throws
    func partition(topic: String, index: PartitionIndex) -> (any PartitionStorage)?
    /// The effective value of every topic-level setting for `topic`, with where it came from.
    func effectiveConfig(topic: String) -> [(name: String, value: String, isDefault: Bool)]
    /// Checks a topic-level config map without applying it; throws naming the bad key.
    func validate(config: [String: String]) throws
}
