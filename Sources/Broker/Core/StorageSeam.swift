import KafkaProtocol
import KafkaRecords
import LogStorage
import NIOCore

/// What the broker needs from a partition's log. `LogStorage.PartitionLog` implements it on disk
/// (see DiskStorage.swift); `InMemoryTopicStorage` in memory for tests. All calls may block on file
/// I/O: the broker makes them from its storage thread pool, never from an event loop.
protocol PartitionStorage: AnyObject, Sendable {
    /// Log start, high watermark, last stable offset and log end offset. On one node the high
    /// watermark equals the log end offset and the last stable offset equals the high watermark;
    /// replication and transactions will separate them.
    var offsets: LogOffsets { get throws }
    /// Bytes the partition's records take in storage (every segment, indexes excluded).
    var sizeInBytes: Int { get throws }
    /// The topic's `max.message.bytes`: the largest batch a producer may append.
    var maxMessageBytes: Int { get }
    /// Appends validated magic-v2 batches, assigning offsets from the log end offset.
    func append(_ records: ByteBuffer, leaderEpoch: LeaderEpoch, now: Int64) throws -> AppendResult
    /// Whole batches from `offset` up to `bound`, at most `maxBytes` (but at least one batch when
    /// `minOneBatch`), as a file region to send with sendfile.
    func read(from offset: Offset, maxBytes: Int, upTo bound: ReadBound, minOneBatch: Bool) throws -> PartitionRead
    /// The same read answered without blocking when memory alone can answer it (a consumer at the
    /// tail of the log), so an event loop may call it; nil when the read needs file I/O.
    func readWithoutIO(from offset: Offset, maxBytes: Int, upTo bound: ReadBound, minOneBatch: Bool) -> PartitionRead?
    /// The same read copied into memory, for the broker's own consumers of a log (group state loading).
    func readIntoMemory(from offset: Offset, maxBytes: Int) throws -> ByteBuffer
    /// The first offset whose record has a timestamp ≥ `timestamp`, with that record's timestamp.
    func firstRecord(atOrAfter timestamp: Int64) throws -> TimestampOffset?
    /// The offset and timestamp of the record with the largest timestamp (ListOffsets MAX_TIMESTAMP).
    func offsetOfMaxTimestamp() throws -> TimestampOffset?
    /// Moves the log start offset forward (DeleteRecords); returns the new log start offset.
    func deleteRecords(before offset: Offset, now: Int64) throws -> Offset
    /// Calls back once every record below `offset` is on stable storage (fsync).
    func whenDurable(upTo offset: Offset, _ callback: @escaping @Sendable (Error?) -> Void)
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
    var offsets: LogOffsets
    var release: (@Sendable () -> Void)?
}

extension TopicMetadata {
    /// Kafka's internal topics (`__consumer_offsets`, `__transaction_state`) are flagged in metadata.
    var isInternal: Bool { name.hasPrefix("__") }
}

/// The catalog of topics and their partition logs. `LogStorage.LogManager` implements it.
protocol TopicStorage: AnyObject, Sendable {
    func topics() -> [TopicMetadata]
    func topic(named name: String) -> TopicMetadata?
    func topic(id: KafkaUUID) -> TopicMetadata?
    func createTopic(name: String, partitions: Int32, config: [String: String]) throws -> TopicMetadata
    func deleteTopic(name: String) throws
    func addPartitions(topic: String, totalCount: Int32) throws
    /// Replaces the topic's overrides with `config` (validated by storage).
    func setConfig(topic: String, config: [String: String]) throws
    func partitionStorage(topic: String, index: PartitionIndex) -> (any PartitionStorage)?
    /// The effective value of every topic-level setting for `topic`, with where it came from.
    func effectiveConfig(topic: String) -> [(name: String, value: String, isDefault: Bool)]
    /// Checks a topic-level config map without applying it; throws naming the bad key.
    func validate(config: [String: String]) throws
    /// Flushes and closes every log.
    func close() throws
}
