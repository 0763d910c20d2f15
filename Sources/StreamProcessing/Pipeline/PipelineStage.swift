/// One stage of a pipeline that `PipelineRunner` drives: a consumer group's records in, output for sinks
/// and notifiers out. `logport process` runs two: the source stage (`PipelineProcessor`: transforms and
/// each source partition's share of every window) and the merge stage (`MergeProcessor`: shares of all
/// partitions merged into windows, detectors, alerts).
///
/// A stage is pure: its output is a function of its records (and, for idleness only, of `nowMillis`).
/// Everything it needs to resume a partition, on this member or another, is in `checkpoint(_:)`, which
/// the runner saves with the group's committed offset once the sinks hold the output that came before.
public protocol PipelineStage: Sendable {
    /// Counters and gauges for metrics exposition.
    associatedtype Report: Sendable

    /// The group gave these partitions to this member; `checkpoints` holds the last saved checkpoint of
    /// each, whoever saved it. Returns the offset to read each partition from (none: the group's position).
    mutating func assign(_ partitions: [TopicPartition], checkpoints: [TopicPartition: PartitionCheckpoint],
                         nowMillis: Int64) -> [TopicPartition: Int64]
    /// The group took these partitions away: they produce nothing more here.
    mutating func revoke(_ partitions: [TopicPartition])
    mutating func process(_ records: [SourceRecord], nowMillis: Int64) -> ProcessorOutput
    /// Lets processing time pass without records (idleness).
    mutating func advanceTime(nowMillis: Int64) -> ProcessorOutput
    /// What resumes `partition` exactly after the output produced so far; nil while nothing is known of it.
    func checkpoint(_ partition: TopicPartition) -> PartitionCheckpoint?
    var report: Report { get }
}

/// Where a stage resumes one partition: the offset the consumer group commits, and the stage's state for
/// the partition as of that offset (opaque to the store that keeps it).
public struct PartitionCheckpoint: Sendable, Equatable {
    /// The next offset to read.
    public var offset: Int64
    public var state: [UInt8]

    public init(offset: Int64, state: [UInt8]) {
        self.offset = offset
        self.state = state
    }
}

/// Keeps partition checkpoints with the consumer group, so whichever member the group gives a partition
/// next resumes it: `logport process` commits them as the group's offsets with their state beside.
public protocol CheckpointStore: Sendable {
    /// Makes the checkpoints durable; once it returns, `load` answers them.
    func save(_ checkpoints: [TopicPartition: PartitionCheckpoint]) async throws
    /// The checkpoints last saved for these partitions, by any member; absent when none.
    func load(_ partitions: [TopicPartition]) async throws -> [TopicPartition: PartitionCheckpoint]
}
