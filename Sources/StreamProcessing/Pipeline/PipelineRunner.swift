import Logging

/// Drives a processor from a record source to sinks and notifiers, and checkpoints it.
///
/// The order that makes a restart exact (`checkpoint()`):
/// 1. every sink's `flush` returns: all output so far is durable at its destination;
/// 2. the processor snapshot, with the offsets it covers, is saved to the checkpoint store;
/// 3. only then are those offsets committed to the consumer group.
/// A failure at any step throws before the later steps, so committed offsets never run ahead of durable
/// output. On start the runner restores the last checkpoint and seeks the source to its offsets; output
/// written after that checkpoint is written again on replay, which the sinks absorb (ClickHouse
/// deduplication tokens and ReplacingMergeTree, SQLite upserts). Notifications are therefore
/// at-least-once: a replay re-sends them with the same alert id, by which receivers can deduplicate.
public actor PipelineRunner {
    public struct Metrics: Sendable, Equatable {
        public var checkpoints: UInt64 = 0
        public var notifierFailures: UInt64 = 0
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

    /// Restores the last checkpoint (or starts fresh), seeks the source, and prepares the sinks.
    public func start() async throws {
        if let snapshot = try await checkpoints.load(pipeline: definition.name) {
            processor = try PipelineProcessor(definition: definition, restoring: snapshot)
            try await source.seek(to: snapshot.nextOffsets)
            logger.info("restored checkpoint", metadata: ["pipeline": "\(definition.name)", "offsets": "\(snapshot.nextOffsets)"])
        } else {
            processor = try PipelineProcessor(definition: definition)
        }
        for sink in sinks { try await sink.prepare() }
        lastCheckpointMillis = clock()
    }

    /// Polls once, processes, delivers, and checkpoints when the interval has passed.
    @discardableResult
    public func step() async throws -> ProcessorOutput {
        guard var processor else { throw PipelineRunnerError.notStarted(pipeline: definition.name) }
        let records = try await source.poll()
        let now = clock()
        let current = Set(await source.assignedPartitions())
        processor.revoke(Array(assigned.subtracting(current)))
        processor.assign(Array(current.subtracting(assigned)).sorted(), nowMillis: now)
        assigned = current
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
        guard let processor else { throw PipelineRunnerError.notStarted(pipeline: definition.name) }
        for sink in sinks { try await sink.flush() }
        let snapshot = processor.snapshot()
        let now = clock()
        try await checkpoints.save(snapshot, atMillis: now)
        if !snapshot.nextOffsets.isEmpty { try await committer.commit(snapshot.nextOffsets) }
        lastCheckpointMillis = now
        metrics.checkpoints += 1
    }

    /// Steps until the task is cancelled, then takes a last checkpoint.
    public func run() async throws {
        if processor == nil { try await start() }
        while !Task.isCancelled { try await step() }
        try await checkpoint()
    }

    public var processorMetrics: PipelineProcessor.Metrics? { processor?.metrics }

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
