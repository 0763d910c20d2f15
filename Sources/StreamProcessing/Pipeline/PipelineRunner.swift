import Logging

/// Drives one stage of a pipeline from a consumer group's record source to sinks and notifiers, and
/// checkpoints it with the group.
///
/// The order that makes a restart exact (`checkpoint()`):
/// 1. every sink's `flush` returns: all output so far is durable at its destination (for the source stage
///    that includes the partials topic);
/// 2. only then are the stage's partition checkpoints saved (`CheckpointStore`: the group's committed
///    offsets, with the state to resume from beside them).
/// A failure in step 1 throws before step 2, so a checkpoint never runs ahead of durable output. A failed
/// save (2) is logged and counted, not thrown: commits fail routinely while a group rebalances, and the
/// previous checkpoint still resumes exactly, repeating some output.
///
/// Whenever partitions are assigned (at start and after a rebalance) the runner loads their checkpoints,
/// whoever saved them, lets the stage decide where to read each (`PipelineStage.assign`), seeks there and
/// tells the sinks, so a sink that tracks what its destination holds re-reads it. Output repeated after a
/// restore (records between the checkpoint and a crash) is absorbed by the sinks: ClickHouse stores the
/// positions it holds, SQLite upserts, the merge keeps the newest share. Notifications are at-least-once:
/// a replay re-sends them with the same alert id, by which receivers can deduplicate.
///
/// Rebalances: a source that holds revocations (`RecordSource.revocationsAwaitingCheckpoint`) lets the
/// runner checkpoint while this consumer still owns the partitions, and only then lets the revocation
/// complete; the next owner resumes exactly where this runner's output stops. Checkpoints are saved only
/// for partitions this runner owns, so a stale one never moves another member's progress back. A source
/// that cannot hold revocations gives partitions up before the runner hears of it; their save may then be
/// rejected, and the next owner resumes from the checkpoint before, repeating output the sinks absorb.
public actor PipelineRunner<Stage: PipelineStage> {
    public typealias Metrics = PipelineRunnerMetrics

    /// A consistent view of the runner and its stage, for metrics exposition.
    public struct Status: Sendable {
        public var runner: Metrics
        public var stage: Stage.Report
        /// Sink name → its own counters (`Sink.counters()`).
        public var sinks: [String: [String: UInt64]]
    }

    /// Names the stage in logs: `source` or `merge`.
    public let name: String
    private let pipeline: String
    private var stage: Stage
    private let source: any RecordSource
    private let checkpoints: any CheckpointStore
    private let sinks: [any Sink]
    private let notifiers: [any AlertNotifier]
    private let checkpointIntervalMillis: Int64
    private let clock: @Sendable () -> Int64
    private let logger: Logger
    private var started = false
    private var assigned: Set<TopicPartition> = []
    private var lastCheckpointMillis: Int64 = 0
    public private(set) var metrics = Metrics()

    public init(name: String, pipeline: String, stage: Stage, source: any RecordSource, checkpoints: any CheckpointStore,
                sinks: [any Sink], notifiers: [any AlertNotifier] = [], checkpointIntervalMillis: Int64 = 10_000,
                clock: @escaping @Sendable () -> Int64, logger: Logger) {
        self.name = name
        self.pipeline = pipeline
        self.stage = stage
        self.source = source
        self.checkpoints = checkpoints
        self.sinks = sinks
        self.notifiers = notifiers
        self.checkpointIntervalMillis = checkpointIntervalMillis
        self.clock = clock
        self.logger = logger
    }

    /// Prepares the sinks.
    public func start() async throws {
        for sink in sinks { try await sink.prepare() }
        lastCheckpointMillis = clock()
        started = true
    }

    /// Changes the stage between steps (say, new source partitions for the merge).
    public func updateStage(_ change: @Sendable (inout Stage) -> Void) {
        change(&stage)
    }

    /// Polls once, follows assignment changes, processes, delivers, and checkpoints when the interval has passed.
    @discardableResult
    public func step() async throws -> ProcessorOutput {
        guard started else { throw PipelineRunnerError.notStarted(pipeline: pipeline) }
        let revoking = await source.revocationsAwaitingCheckpoint()
        if !revoking.isEmpty { try await partitionsRevoking(revoking) }
        var records = try await source.poll()
        let now = clock()
        let current = Set(await source.assignedPartitions())
        let revoked = assigned.subtracting(current)
        let added = current.subtracting(assigned)
        if !revoked.isEmpty { try await partitionsRevoked(revoked.sorted()) }
        assigned = current
        if !added.isEmpty {
            // Records this poll returned of a partition the stage moved are read again from where it moved it.
            let moved = try await partitionsAssigned(added.sorted(), nowMillis: now)
            if !moved.isEmpty { records.removeAll { moved.contains($0.topicPartition) } }
        }
        let output = records.isEmpty ? stage.advanceTime(nowMillis: now) : stage.process(records, nowMillis: now)
        for failure in output.failures {
            logger.warning("record skipped", metadata: ["pipeline": "\(pipeline)", "stage": "\(name)", "record": "\(failure)"])
        }
        for sink in sinks { try await sink.accept(output, nowMillis: now) }
        await notify(output.alerts)
        if now - lastCheckpointMillis >= checkpointIntervalMillis { try await checkpoint() }
        return output
    }

    /// Flush sinks, then save the checkpoints of the owned partitions, in that order (see the type's doc).
    public func checkpoint() async throws {
        try await checkpoint(owned: assigned)
    }

    private func checkpoint(owned: Set<TopicPartition>) async throws {
        guard started else { throw PipelineRunnerError.notStarted(pipeline: pipeline) }
        for sink in sinks { try await sink.flush() }
        lastCheckpointMillis = clock()
        var saved: [TopicPartition: PartitionCheckpoint] = [:]
        for partition in owned {
            if let checkpoint = stage.checkpoint(partition) { saved[partition] = checkpoint }
        }
        metrics.checkpoints += 1
        guard !saved.isEmpty else { return }
        do {
            try await checkpoints.save(saved)
        } catch {
            metrics.commitFailures += 1
            logger.warning("checkpoint not saved; the previous one still resumes the partitions, repeating some output", metadata: [
                "pipeline": "\(pipeline)", "stage": "\(name)", "partitions": "\(saved.keys.sorted())", "error": "\(error)",
            ])
        }
    }

    /// Steps until `stopRequested` returns true, then takes a last checkpoint. A signal handler sets the
    /// flag rather than cancelling the task, so an insert in flight completes and the last checkpoint
    /// covers it.
    public func run(until stopRequested: @Sendable () -> Bool) async throws {
        if !started { try await start() }
        while !stopRequested() { try await step() }
        try await checkpoint()
    }

    public func status() async -> Status {
        var sinkCounters: [String: [String: UInt64]] = [:]
        for sink in sinks {
            let counters = await sink.counters()
            if !counters.isEmpty { sinkCounters[sink.name] = counters }
        }
        return Status(runner: metrics, stage: stage.report, sinks: sinkCounters)
    }

    /// The group is taking these partitions away and waits: checkpoint them while still owned, then let go.
    private func partitionsRevoking(_ partitions: [TopicPartition]) async throws {
        metrics.rebalances += 1
        logger.info("partitions being revoked; checkpointing before letting them go",
                    metadata: ["pipeline": "\(pipeline)", "stage": "\(name)", "partitions": "\(partitions)"])
        try await checkpoint(owned: assigned.union(partitions))
        stage.revoke(partitions)
        assigned.subtract(partitions)
        await source.completeRevocations()
    }

    private func partitionsRevoked(_ partitions: [TopicPartition]) async throws {
        metrics.rebalances += 1
        logger.info("partitions revoked; checkpointing", metadata: ["pipeline": "\(pipeline)", "stage": "\(name)", "partitions": "\(partitions)"])
        try await checkpoint(owned: assigned)
        stage.revoke(partitions)
    }

    /// Returns the partitions the stage moved the reading position of.
    private func partitionsAssigned(_ partitions: [TopicPartition], nowMillis: Int64) async throws -> Set<TopicPartition> {
        let saved = try await checkpoints.load(partitions)
        let seeks = stage.assign(partitions, checkpoints: saved, nowMillis: nowMillis)
        if !seeks.isEmpty { try await source.seek(to: seeks) }
        for sink in sinks { try await sink.partitionsAssigned(partitions) }
        logger.info("partitions assigned", metadata: [
            "pipeline": "\(pipeline)", "stage": "\(name)", "partitions": "\(partitions)",
            "committed": "\(saved.mapValues(\.offset).sorted { $0.key < $1.key })", "reading from": "\(seeks.sorted { $0.key < $1.key })",
        ])
        return Set(seeks.keys)
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
                    "pipeline": "\(pipeline)", "alerts": "\(alerts.map(\.id))", "error": "\(error)",
                ])
            }
        }
    }
}

/// The counters of a runner, whatever its stage.
public struct PipelineRunnerMetrics: Sendable, Equatable {
    public var checkpoints: UInt64 = 0
    public var notifierFailures: UInt64 = 0
    public var commitFailures: UInt64 = 0
    public var rebalances: UInt64 = 0

    public init() {}
}

public enum PipelineRunnerError: Error, Equatable, CustomStringConvertible {
    case notStarted(pipeline: String)

    public var description: String {
        switch self {
        case .notStarted(let pipeline): return "pipeline \(pipeline): step() or checkpoint() before start()"
        }
    }
}
