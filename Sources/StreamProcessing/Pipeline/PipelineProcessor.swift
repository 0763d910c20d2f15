import NIOCore

/// Everything one call of the processor produced, in the order it happened.
public struct ProcessorOutput: Sendable {
    public var events: [Event] = []
    public var windowResults: [WindowResult] = []
    public var verdicts: [AnomalyVerdict] = []
    public var alerts: [AlertEvent] = []
    public var failures: [RecordFailure] = []
    /// The input records this output accounts for.
    public var consumed = OffsetRanges()

    public init() {}
}

/// A record the transform chain could not handle, with where it is in Kafka for the operator.
public struct RecordFailure: Hashable, Sendable, CustomStringConvertible {
    public var topicPartition: TopicPartition
    public var offset: Int64
    public var error: FieldParseError

    public var description: String { "\(topicPartition) offset \(offset): \(error)" }
}

/// The pure core of `logport process`: records in, window results, verdicts and alert events out.
///
/// Guarantees:
/// - output is a function of the record sequence (and, for idleness only, of `nowMillis`): no I/O, no clock;
/// - a record at an offset below the partition's next offset is skipped, so redelivery after a seek or a
///   rebalance does not count twice;
/// - `snapshot()` captures all state and the next offset of each partition; a processor restored from it
///   and fed the records from those offsets produces exactly what the uninterrupted one would.
public struct PipelineProcessor: Sendable {
    public struct Metrics: Codable, Sendable, Equatable {
        public var recordsProcessed: UInt64 = 0
        public var recordsRedelivered: UInt64 = 0
        public var eventsRemoved: UInt64 = 0
        public var recordsFailed: UInt64 = 0
    }

    struct State: Codable, Sendable, Equatable {
        var watermark: WatermarkTracker
        var aggregators: [WindowedAggregator]
        var dedupeMemory: [Int: DedupeMemory]
        var detectors: DetectorBank
        var alerts: AlertEngine
        var nextOffsets: [TopicPartition: Int64]
        var metrics: Metrics
    }

    public let definition: PipelineDefinition
    private var transforms: TransformChain
    private var state: State
    private let collectsEvents: Bool

    public init(definition: PipelineDefinition) throws {
        let source = definition.source
        let state = State(
            watermark: WatermarkTracker(outOfOrdernessMillis: source.outOfOrdernessMillis, idleTimeoutMillis: source.idleTimeoutMillis,
                                        followsWallClockWhenIdle: source.followsWallClockWhenIdle),
            aggregators: definition.aggregations.map(WindowedAggregator.init(spec:)),
            dedupeMemory: [:],
            detectors: DetectorBank(specs: definition.detectors),
            alerts: AlertEngine(rules: definition.alerts,
                                windowSpecs: Dictionary(definition.aggregations.map { ($0.name, $0.window) }) { first, _ in first }),
            nextOffsets: [:],
            metrics: Metrics())
        try self.init(definition: definition, state: state)
    }

    /// Restores a processor from a checkpoint taken with the same stateful configuration.
    public init(definition: PipelineDefinition, restoring snapshot: PipelineSnapshot) throws {
        guard snapshot.formatVersion == PipelineSnapshot.currentFormatVersion else {
            throw PipelineSnapshotError.unsupportedFormat(snapshot.formatVersion)
        }
        guard snapshot.configFingerprint == definition.stateFingerprint else {
            throw PipelineSnapshotError.configurationChanged(pipeline: definition.name)
        }
        try self.init(definition: definition, state: snapshot.state)
    }

    private init(definition: PipelineDefinition, state: State) throws {
        self.definition = definition
        self.transforms = try TransformChain(definition.transforms)
        self.transforms.dedupeMemory = state.dedupeMemory
        self.state = state
        self.collectsEvents = definition.sinks.contains { $0.input == .events }
    }

    public var watermarkMillis: Int64 { state.watermark.watermarkMillis }
    public var nextOffsets: [TopicPartition: Int64] { state.nextOffsets }
    public var metrics: Metrics { state.metrics }
    public var aggregationMetrics: [String: WindowedAggregator.Metrics] {
        Dictionary(state.aggregators.map { ($0.spec.name, $0.metrics) }) { first, _ in first }
    }
    public var alertMetrics: AlertEngine.Metrics { state.alerts.metrics }

    public func snapshot() -> PipelineSnapshot {
        var state = self.state
        state.dedupeMemory = transforms.dedupeMemory
        return PipelineSnapshot(formatVersion: PipelineSnapshot.currentFormatVersion,
                                configFingerprint: definition.stateFingerprint, pipeline: definition.name, state: state)
    }

    /// Partitions newly assigned to this consumer: they hold the watermark back until they deliver or go idle.
    public mutating func assign(_ partitions: [TopicPartition], nowMillis: Int64) {
        state.watermark.assign(partitions, nowMillis: nowMillis)
    }

    /// Called once after restoring from a checkpoint: the time spent stopped does not make partitions idle.
    public mutating func resume(nowMillis: Int64) {
        state.watermark.resume(nowMillis: nowMillis)
    }

    /// Another consumer of the group processed these partitions up to these next offsets since this
    /// processor last read them: the records before are that consumer's to count, so they are skipped.
    public mutating func skip(upTo nextOffsets: [TopicPartition: Int64]) {
        for (partition, offset) in nextOffsets where offset > (state.nextOffsets[partition] ?? Int64.min) {
            state.nextOffsets[partition] = offset
        }
    }

    public mutating func revoke(_ partitions: [TopicPartition]) {
        state.watermark.revoke(partitions)
    }

    public mutating func process(_ records: [SourceRecord], nowMillis: Int64) -> ProcessorOutput {
        var output = ProcessorOutput()
        for record in records {
            if let next = state.nextOffsets[record.topicPartition], record.offset < next {
                state.metrics.recordsRedelivered += 1
                continue
            }
            state.nextOffsets[record.topicPartition] = record.offset + 1
            output.consumed.include(record.topicPartition, offset: record.offset)
            state.metrics.recordsProcessed += 1
            switch transforms.apply(Self.initialEvent(of: record)) {
            case .kept(let event):
                if collectsEvents { output.events.append(event) }
                aggregate(event, nowMillis: nowMillis, into: &output)
            case .removed:
                state.metrics.eventsRemoved += 1
            case .failed(let error):
                state.metrics.recordsFailed += 1
                output.failures.append(RecordFailure(topicPartition: record.topicPartition, offset: record.offset, error: error))
            }
        }
        advanceWatermark(nowMillis: nowMillis, into: &output)
        return output
    }

    /// Lets processing time pass without records: idle partitions stop holding the watermark back.
    public mutating func advanceTime(nowMillis: Int64) -> ProcessorOutput {
        var output = ProcessorOutput()
        advanceWatermark(nowMillis: nowMillis, into: &output)
        return output
    }

    private mutating func aggregate(_ event: Event, nowMillis: Int64, into output: inout ProcessorOutput) {
        let watermark = state.watermark.watermarkMillis
        for index in state.aggregators.indices {
            deliver(state.aggregators[index].add(event, watermarkMillis: watermark), into: &output)
        }
        state.watermark.observe(eventTimeMillis: event.timeMillis, partition: event.topicPartition, nowMillis: nowMillis)
        advanceWatermark(nowMillis: nowMillis, into: &output)
    }

    private mutating func advanceWatermark(nowMillis: Int64, into output: inout ProcessorOutput) {
        let watermark = state.watermark.advance(nowMillis: nowMillis)
        for index in state.aggregators.indices {
            deliver(state.aggregators[index].advance(to: watermark), into: &output)
        }
        output.alerts += state.alerts.advance(watermarkMillis: watermark)
    }

    private mutating func deliver(_ results: [WindowResult], into output: inout ProcessorOutput) {
        for result in results {
            output.windowResults.append(result)
            let verdicts = state.detectors.observe(result)
            output.verdicts += verdicts
            output.alerts += state.alerts.observe(result)
            for verdict in verdicts { output.alerts += state.alerts.observe(verdict) }
        }
    }

    static func initialEvent(of record: SourceRecord) -> Event {
        var fields: [String: FieldValue] = [
            "_topic": .string(record.topicPartition.topic),
            "_partition": .number(Double(record.topicPartition.partition)),
            "_offset": .number(Double(record.offset)),
        ]
        if let value = record.value { fields["message"] = .string(String(buffer: value)) }
        if let key = record.key { fields["_key"] = .string(String(buffer: key)) }
        return Event(fields: fields, timeMillis: record.timestampMillis, topicPartition: record.topicPartition, offset: record.offset)
    }
}

/// A checkpoint of a processor: its whole state and the offsets it covers.
public struct PipelineSnapshot: Codable, Sendable, Equatable {
    static let currentFormatVersion = 1
    public var formatVersion: Int
    public var configFingerprint: String
    public var pipeline: String
    var state: PipelineProcessor.State

    /// The next offset to read per partition: where the source must seek to resume exactly.
    public var nextOffsets: [TopicPartition: Int64] { state.nextOffsets }
}

public enum PipelineSnapshotError: Error, Equatable, CustomStringConvertible {
    case unsupportedFormat(Int)
    case configurationChanged(pipeline: String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let version):
            return "checkpoint format \(version) is not supported (expected \(PipelineSnapshot.currentFormatVersion))"
        case .configurationChanged(let pipeline):
            return "pipeline \(pipeline): source, transforms, aggregations, detectors or alerts changed since the checkpoint; its state cannot be restored (delete the checkpoint to start over from the committed offsets)"
        }
    }
}
