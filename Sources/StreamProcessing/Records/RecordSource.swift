/// Where a pipeline reads records from: the Kafka consumer group in production, an in-memory source in tests.
///
/// The processor resumes exactly from a checkpoint by calling `seek(to:)` with the offsets the checkpoint covers
/// before the first `poll()`; committed consumer-group offsets are only advisory (lag monitoring).
public protocol RecordSource: Sendable {
    /// The next records, possibly none when nothing arrived within the source's own poll timeout.
    func poll() async throws -> [SourceRecord]
    /// Partitions currently assigned to this consumer; they hold the watermark back until they go idle.
    func assignedPartitions() async -> [TopicPartition]
    /// Makes the next polls start at these offsets (the next offset to read, per partition).
    func seek(to nextOffsets: [TopicPartition: Int64]) async throws
    /// Partitions the consumer group is taking away but holds until `completeRevocations()`, so the runner
    /// can make its output and checkpoint cover them while this consumer still owns them. From this call on,
    /// `poll()` returns no more records of these partitions.
    func revocationsAwaitingCheckpoint() async -> [TopicPartition]
    /// Lets the held revocations complete: the group may give the partitions to another consumer.
    func completeRevocations() async
    /// The group's committed next offsets for these partitions (absent when none): where another consumer
    /// of the group stopped, if it owned a partition since this one did.
    func committedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64]
}

extension RecordSource {
    /// A source outside a consumer group has no revocations to hold, and nobody else commits.
    public func revocationsAwaitingCheckpoint() async -> [TopicPartition] { [] }
    public func completeRevocations() async {}
    public func committedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] { [:] }
}

/// Commits consumed positions to the consumer group. Called only after a checkpoint covering them is durable.
public protocol OffsetCommitter: Sendable {
    /// `nextOffsets` follows Kafka's convention: the offset of the next record to read (last processed + 1).
    func commit(_ nextOffsets: [TopicPartition: Int64]) async throws
}
