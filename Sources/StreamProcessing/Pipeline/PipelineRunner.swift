import Logging

/// Drives a processor from a record source to sinks and notifiers, and checkpoints it.
///
/// The order that makes a restart exact (`checkpoint()`):
/// 1. every sink's `flush` returns: all output so far is durable at its destination;
/// 2. the processor snapshot, with the offsets it covers, is saved to the checkpoint store;
/// 3. only then are those offsets committed to the consumer group.
/// A failure in step 1 or 2 throws before the later steps, so committed offsets never run ahead of durable
/// output. A failed commit (3) is logged and counted, not thrown: the checkpoint, not the group, says where
/// the processor resumes, and commits fail routinely while a group rebalances.
///
/// On start the runner restores the last checkpoint. Whenever partitions are assigned (at start and after
/// a rebalance) it seeks them to the processor's next offsets and tells the sinks, so a sink that tracks
/// what its destination holds re-reads it. Records fetched before the seek (from the group's committed
/// offset, which never runs ahead of the checkpoint) still arrive first, in order; the processor skips
/// those it has already processed, so nothing is dropped and nothing counted twice. Output written after the checkpoint is written again on replay, which the sinks absorb
/// (ClickHouse stored offsets and ReplacingMergeTree, SQLite upserts). Notifications are therefore
/// at-least-once: a replay re-sends them with the same alert id, by which receivers can deduplicate.
///
/// Rebalances: a source that holds revocations (`RecordSource.revocationsAwaitingCheckpoint`) lets the
/// runner checkpoint while this consumer still owns the partitions (flush, save, commit), and only then
/// lets the revocation complete; the next owner finds the partitions committed exactly where this runner's
/// output stops. On assignment the runner resumes each partition from the later of its own checkpoint
/// and the group's committed offset: a later commit means another member processed the records in
/// between, and their output is that member's. Offsets are committed only for partitions this runner
/// owns, so a stale checkpoint entry never moves another member's progress back. A source that cannot
/// hold revocations gives partitions up before the runner hears of it; their commit may then be rejected.
///
/// Window state is one state over all partitions this runner reads: with several members in a group, each
/// aggregates its own partitions, so a window fed by partitions of two members is written by both, each
/// with its share (see the limits in the pipeline documentation). Per-record output (events sinks) is exact.
public actor PipelineRunner {
    public struct Metrics: Sendable, Equatable {
        public var checkpoints: UInt64 = 0
        public var notifierFailures: UInt64 = 0
        public var commitFailures: UInt64 = 0
        public var rebalances: UInt64 = 0
    }

    /// A consistent view of the runner and its processor, for metrics exposition.
    public struct Status: Sendable {
        public var pipeline: String
        public var watermarkMillis: Int64
        public var runner: Metrics
        public var processor: PipelineProcessor.Metrics
        public var aggregations: [String: WindowedAggregator.Metrics]
        public var alerts: AlertEngine.Metrics
        public var nextOffsets: [TopicPartition: Int64]
        /// Sink name → its own counters (`Sink.counters()`).
        public var sinks: [String: [String: UInt64]]
    }

    private let definition: PipelineDefinition
    private let source: any RecordSource
    private let committer: any OffsetCommitter
    private let sinks: [any Sink]
    private let notifiers: [any AlertNotifier]
    private let checkpoints: any CheckpointStore
    private let checkpointIntervalMillis: Int64
    private let clock: @Sendable () -> Int64
    private let logger: Logger
    private var processor: PipelineProcessor?
    private var assigned: Set<TopicPartition> = []
    private var lastCheckpointMillis: Int64 = 0
    public private(set) var metrics = Metrics()

    public init(definition: PipelineDefinition, source: any RecordSource, committer: any OffsetCommitter, sinks: [any Sink],
                notifiers: [any AlertNotifier], checkpoints: any CheckpointStore, checkpointIntervalMillis: Int64 = 10_000,
                clock: @escaping @Sendable () -> Int64, logger: Logger) {
        self.definition = definition
        self.source = source
        self.committer = committer
        self.sinks = sinks
        self.notifiers = notifiers
        self.checkpoints = checkpoints
        self.checkpointIntervalMillis = checkpointIntervalMillis
        self.clock = clock
        self.logger = logger
    }

    /// Restores the last checkpoint (or starts fresh) and prepares the sinks.
    public func start() async throws {
        if let snapshot = try await checkpoints.load(pipeline: definition.name) {
            var restored = try PipelineProcessor(definition: definition, restoring: snapshot)
            restored.resume(nowMillis: clock())
            processor = restored
            logger.info("restored checkpoint", metadata: ["pipeline": "\(definition.name)", "offsets": "\(snapshot.nextOffsets)"])
        } else {
            processor = try PipelineProcessor(definition: definition)
        }
        for sink in sinks { try await sink.prepare() }
        lastCheckpointMillis = clock()
    }

    /// Polls once, follows assignment changes, processes, delivers, and checkpoints when the interval has passed.
    @discardableResult
    public func step() async throws -> ProcessorOutput {
        guard processor != nil else { throw PipelineRunnerError.notStarted(pipeline: definition.name) }
        let revoking = await source.revocationsAwaitingCheckpoint()
        if !revoking.isEmpty { try await partitionsRevoking(revoking) }
        let records = try await source.poll()
        let now = clock()
        let current = Set(await source.assignedPartitions())
        let revoked = assigned.subtracting(current)
        let added = current.subtracting(assigned)
        assigned = current
        if !revoked.isEmpty { try await partitionsRevoked(revoked.sorted()) }
        if !added.isEmpty { try await partitionsAssigned(added.sorted(), nowMillis: now) }
        guard var processor else { throw PipelineRunnerError.notStarted(pipeline: definition.name) }
        // process() ends by re-evaluating idleness too, so an empty poll only needs that part.
        let output = records.isEmpty ? processor.advanceTime(nowMillis: now) : processor.process(records, nowMillis: now)
        self.processor = processor
        for failure in output.failures {
            logger.warning("record skipped", metadata: ["pipeline": "\(definition.name)", "record": "\(failure)"])
        }
        for sink in sinks { try await sink.accept(output, nowMillis: now) }
        await notify(output.alerts)
        if now - lastCheckpointMillis >= checkpointIntervalMillis { try await checkpoint() }
        return output
    }

    /// Flush sinks, save the checkpoint, then commit offsets, in that order (see the type's doc).
    public func checkpoint() async throws {
        try await checkpoint(committing: assigned)
    }

    /// Commits only the offsets of `owned`: the checkpoint may hold partitions now read by another member.
    private func checkpoint(committing owned: Set<TopicPartition>) async throws {
        guard let processor else { throw PipelineRunnerError.notStarted(pipeline: definition.name) }
        for sink in sinks { try await sink.flush() }
        let snapshot = processor.snapshot()
        let now = clock()
        try await checkpoints.save(snapshot, atMillis: now)
        lastCheckpointMillis = now
        metrics.checkpoints += 1
        let offsets = snapshot.nextOffsets.filter { owned.contains($0.key) }
        guard !offsets.isEmpty else { return }
        do {
            try await committer.commit(offsets)
        } catch {
            metrics.commitFailures += 1
            logger.warning("offset commit failed; the checkpoint holds the positions", metadata: [
                "pipeline": "\(definition.name)", "offsets": "\(offsets)", "error": "\(error)",
            ])
        }
    }

    /// Steps until `stopRequested` returns true, then takes a last checkpoint. A signal handler sets the
    /// flag rather than cancelling the task, so an insert in flight completes and the last checkpoint
    /// covers it.
    public func run(until stopRequested: @Sendable () -> Bool) async throws {
        if processor == nil { try await start() }
        while !stopRequested() { try await step() }
        try await checkpoint()
    }

    public var processorMetrics: PipelineProcessor.Metrics? { processor?.metrics }

    public func status() async -> Status? {
        guard let processor else { return nil }
        var sinkCounters: [String: [String: UInt64]] = [:]
        for sink in sinks {
            let counters = await sink.counters()
            if !counters.isEmpty { sinkCounters[sink.name] = counters }
        }
        return Status(pipeline: definition.name, watermarkMillis: processor.watermarkMillis, runner: metrics, processor: processor.metrics,
                      aggregations: processor.aggregationMetrics, alerts: processor.alertMetrics, nextOffsets: processor.nextOffsets,
                      sinks: sinkCounters)
    }

    /// The group is taking these partitions away and waits: checkpoint them while still owned, then let go.
    private func partitionsRevoking(_ partitions: [TopicPartition]) async throws {
        metrics.rebalances += 1
        processor?.revoke(partitions)
        logger.info("partitions being revoked; checkpointing before letting them go",
                    metadata: ["pipeline": "\(definition.name)", "partitions": "\(partitions)"])
        try await checkpoint(committing: assigned.union(partitions))
        assigned.subtract(partitions)
        await source.completeRevocations()
    }

    private func partitionsRevoked(_ partitions: [TopicPartition]) async throws {
        metrics.rebalances += 1
        processor?.revoke(partitions)
        logger.info("partitions revoked; checkpointing", metadata: ["pipeline": "\(definition.name)", "partitions": "\(partitions)"])
        try await checkpoint(committing: assigned.union(partitions))
    }

    private func partitionsAssigned(_ partitions: [TopicPartition], nowMillis: Int64) async throws {
        guard var processor else { return }
        processor.assign(partitions, nowMillis: nowMillis)
        processor.skip(upTo: try await source.committedOffsets(partitions))
        self.processor = processor
        let resume = processor.nextOffsets.filter { partitions.contains($0.key) }
        if !resume.isEmpty { try await source.seek(to: resume) }
        for sink in sinks { try await sink.partitionsAssigned(partitions) }
        logger.info("partitions assigned", metadata: ["pipeline": "\(definition.name)", "partitions": "\(partitions)", "resume": "\(resume)"])
    }

    /// Notifier failures are logged and counted, not thrown: a webhook outage must not stop the pipeline,
    /// and the alerts stay in the embedded store and sinks.
    private func notify(_ alerts: [AlertEvent]) async {
        guard !alerts.isEmpty else { return }
        for notifier in notifiers {
            do {
                try await notifier.notify(alerts)
            } catch {
                metrics.notifierFailures += 1
                logger.error("alert notification failed", metadata: [
                    "pipeline": "\(definition.name)", "alerts": "\(alerts.map(\.id))", "error": "\(error)",
                ])
            }
        }
    }
}

public enum PipelineRunnerError: Error, Equatable, CustomStringConvertible {
    case notStarted(pipeline: String)

    public var description: String {
        switch self {
        case .notStarted(let pipeline): return "pipeline \(pipeline): step() or checkpoint() before start()"
        }
    }
}
