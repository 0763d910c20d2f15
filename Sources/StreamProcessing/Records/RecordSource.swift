/// Where a pipeline stage reads records from: a Kafka consumer group in production, an in-memory source in tests.
///
/// The runner resumes exactly from a checkpoint by calling `seek(to:)` with the offsets the stage names
/// when partitions are assigned; records fetched before a seek are never returned after it.
public protocol RecordSource: Sendable {
    /// The next records, possibly none when nothing arrived within the source's own poll timeout.
    func poll() async throws -> [SourceRecord]
    /// Partitions currently assigned to this consumer.
    func assignedPartitions() async -> [TopicPartition]
    /// Makes the next polls start at these offsets (the next offset to read, per partition).
    func seek(to nextOffsets: [TopicPartition: Int64]) async throws
    /// Partitions the consumer group is taking away but holds until `completeRevocations()`, so the runner
    /// can make its output and checkpoint cover them while this consumer still owns them. From this call on,
    /// `poll()` returns no more records of these partitions.
    func revocationsAwaitingCheckpoint() async -> [TopicPartition]
    /// Lets the held revocations complete: the group may give the partitions to another consumer.
    func completeRevocations() async
}

extension RecordSource {
    /// A source outside a consumer group has no revocations to hold.
    public func revocationsAwaitingCheckpoint() async -> [TopicPartition] { [] }
    public func completeRevocations() async {}
}
