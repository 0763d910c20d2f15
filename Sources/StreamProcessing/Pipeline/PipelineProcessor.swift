import Foundation
import NIOCore

/// Everything one call of a stage produced, in the order it happened.
public struct ProcessorOutput: Sendable {
    public var events: [Event] = []
    /// Source partitions' shares of windows, for the merge (source stage).
    public var partials: [WindowPartial] = []
    /// Source partitions' event-time progress, for the merge (source stage); sent after `partials`.
    public var progress: [SourceProgress] = []
    /// Merged windows (merge stage).
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

/// The source stage of `logport process`: records in; transformed events, each source partition's share
/// of every window (`WindowPartial`) and each partition's event-time progress (`SourceProgress`) out.
///
/// Guarantees:
/// - everything a partition produces is a function of that partition's records alone: it has its own
///   watermark (highest event time − out-of-orderness), its own windows, its own dedupe memory, so the
///   output is the same whichever member reads the partition and however partitions are spread;
/// - a record at an offset below the partition's next offset is skipped, so redelivery after a seek or a
///   rebalance does not count twice;
/// - `checkpoint(p)` names the partition's next offset and where a replay rebuilds its state (the first
///   record of its oldest open window, with the watermark before it). `assign` with that checkpoint seeks
///   there and replays up to the committed offset without output, so a processor that takes a partition
///   over continues it exactly as the one before would have;
/// - a partition with no kept event for the source's idle timeout reports itself idle, after the current
///   shares of its open windows, so the merge stops waiting for it.
public struct PipelineProcessor: PipelineStage {
    public struct Metrics: Codable, Sendable, Equatable {
        public var recordsProcessed: UInt64 = 0
        public var recordsRedelivered: UInt64 = 0
        /// Records read again to rebuild a partition's state (after a restart or a takeover).
        public var recordsReplayed: UInt64 = 0
        public var eventsRemoved: UInt64 = 0
        public var recordsFailed: UInt64 = 0
        public var partialsEmitted: UInt64 = 0
    }

    public struct Report: Sendable {
        public var metrics: Metrics
        public var aggregations: [String: WindowedAggregator.Metrics]
        /// Next offset per owned partition.
        public var nextOffsets: [TopicPartition: Int64]
        /// Watermark per owned partition that has read an event: the lowest holds the merge back.
        public var watermarks: [TopicPartition: Int64]
    }

    struct Partition: Sendable {
        var nextOffset: Int64?
        var maxEventTimeMillis: Int64?
        var aggregators: [WindowedAggregator]
        var dedupeMemory: [Int: DedupeMemory] = [:]
        /// Records below this offset are replayed to rebuild the state: they produce no output.
        var replayingBelow: Int64?
        var owned = true
        var lastActivityMillis: Int64
        var idle = false
        /// The last progress this processor reported for the partition.
        var reported: SourceProgress?

        func watermark(outOfOrdernessMillis: Int64) -> Int64 {
            guard let maxEventTimeMillis else { return .min }
            let (difference, overflow) = maxEventTimeMillis.subtractingReportingOverflow(outOfOrdernessMillis)
            return overflow ? .min : difference
        }

        func isReplaying(_ offset: Int64) -> Bool {
            replayingBelow.map { offset < $0 } ?? false
        }
    }

    public let definition: PipelineDefinition
    private let transforms: TransformChain
    private let deadlines: ProgressDeadlines
    private let collectsEvents: Bool
    private var partitions: [TopicPartition: Partition] = [:]
    /// Counters of partition states replaced by a restore, so totals never go down.
    private var retiredAggregationMetrics: [String: WindowedAggregator.Metrics] = [:]
    public private(set) var metrics = Metrics()

    public init(definition: PipelineDefinition) throws {
        self.definition = definition
        self.transforms = try TransformChain(definition.transforms)
        self.deadlines = ProgressDeadlines(definition.aggregations)
        self.collectsEvents = definition.sinks.contains { $0.input == .events }
    }

    private var outOfOrdernessMillis: Int64 { max(0, definition.source.outOfOrdernessMillis) }

    public var report: Report {
        var aggregations = retiredAggregationMetrics
        for partition in partitions.values {
            for aggregator in partition.aggregators {
                aggregations[aggregator.spec.name] = (aggregations[aggregator.spec.name] ?? .init()) + aggregator.metrics
            }
        }
        let owned = partitions.filter(\.value.owned)
        let watermarks = owned.compactMapValues { $0.maxEventTimeMillis == nil ? nil : $0.watermark(outOfOrdernessMillis: outOfOrdernessMillis) }
        return Report(metrics: metrics, aggregations: aggregations, nextOffsets: owned.compactMapValues(\.nextOffset), watermarks: watermarks)
    }

    public mutating func assign(_ assigned: [TopicPartition], checkpoints: [TopicPartition: PartitionCheckpoint],
                                nowMillis: Int64) -> [TopicPartition: Int64] {
        var seeks: [TopicPartition: Int64] = [:]
        for partition in assigned {
            let committed = checkpoints[partition]
            if var known = partitions[partition], let next = known.nextOffset, next >= committed?.offset ?? .min {
                // Nobody read past this processor's own position since: its state is still the partition's.
                known.owned = true
                known.idle = false
                known.lastActivityMillis = nowMillis
                partitions[partition] = known
                seeks[partition] = next
            } else if let committed {
                retire(partitions[partition])
                let restore = (try? StateCoding.decoder.decode(SourceCheckpoint.self, from: Data(committed.state)))?.restore
                    ?? RestorePoint(offset: committed.offset, maxEventTimeMillis: nil)
                var fresh = newPartition(nowMillis: nowMillis)
                fresh.nextOffset = restore.offset
                fresh.maxEventTimeMillis = restore.maxEventTimeMillis
                fresh.replayingBelow = restore.offset < committed.offset ? committed.offset : nil
                partitions[partition] = fresh
                seeks[partition] = restore.offset
            } else if var known = partitions[partition] {
                known.owned = true
                known.lastActivityMillis = nowMillis
                partitions[partition] = known
            } else {
                partitions[partition] = newPartition(nowMillis: nowMillis)
            }
        }
        return seeks
    }

    public mutating func revoke(_ revoked: [TopicPartition]) {
        for partition in revoked { partitions[partition]?.owned = false }
    }

    public func checkpoint(_ partition: TopicPartition) -> PartitionCheckpoint? {
        guard let state = partitions[partition], let next = state.nextOffset else { return nil }
        let restore = state.aggregators.compactMap(\.restorePoint).min { $0.offset < $1.offset }
            ?? RestorePoint(offset: next, maxEventTimeMillis: state.maxEventTimeMillis)
        // A partition still replaying resumes its replay: its restore point is where the replay began.
        let bytes = (try? StateCoding.encoder.encode(SourceCheckpoint(restore: restore))) ?? Data()
        return PartitionCheckpoint(offset: max(next, state.replayingBelow ?? next), state: Array(bytes))
    }

    public mutating func process(_ records: [SourceRecord], nowMillis: Int64) -> ProcessorOutput {
        var output = ProcessorOutput()
        var touched: Set<TopicPartition> = []
        // A poll returns runs of records of one partition: each run works on the partition's state taken
        // out of the table once, rather than looking it up for every record.
        var start = records.startIndex
        while start < records.endIndex {
            let source = records[start].topicPartition
            var end = start + 1
            while end < records.endIndex, records[end].topicPartition == source { end += 1 }
            var partition = partitions.removeValue(forKey: source) ?? newPartition(nowMillis: nowMillis)
            for record in records[start..<end] {
                if take(record, into: &partition, nowMillis: nowMillis, output: &output) { touched.insert(source) }
            }
            partitions[source] = partition
            start = end
        }
        for source in touched.sorted() { reportProgress(of: source, nowMillis: nowMillis, into: &output) }
        output.progress += idleness(nowMillis: nowMillis, into: &output)
        return output
    }

    /// Processes one record of `partition`; returns whether it was new (not redelivered, not replayed).
    private mutating func take(_ record: SourceRecord, into partition: inout Partition, nowMillis: Int64,
                               output: inout ProcessorOutput) -> Bool {
        if let next = partition.nextOffset, record.offset < next {
            metrics.recordsRedelivered += 1
            return false
        }
        partition.nextOffset = record.offset + 1
        let replaying = partition.isReplaying(record.offset)
        if replaying {
            metrics.recordsReplayed += 1
        } else {
            output.consumed.include(record.topicPartition, offset: record.offset)
            metrics.recordsProcessed += 1
        }
        switch transforms.apply(Self.initialEvent(of: record), dedupeMemory: &partition.dedupeMemory) {
        case .kept(let event):
            if collectsEvents, !replaying { output.events.append(event) }
            let shares = aggregate(event, in: &partition, nowMillis: nowMillis)
            if !replaying { emit(shares, into: &output) }
        case .removed:
            if !replaying { metrics.eventsRemoved += 1 }
        case .failed(let error):
            if !replaying {
                metrics.recordsFailed += 1
                output.failures.append(RecordFailure(topicPartition: record.topicPartition, offset: record.offset, error: error))
            }
        }
        if replaying, !partition.isReplaying(record.offset + 1) {
            // Rebuilt: the counts of the replay are the previous reader's, not this processor's.
            partition.replayingBelow = nil
            for index in partition.aggregators.indices { partition.aggregators[index].resetMetrics() }
        }
        return !replaying
    }

    /// Lets processing time pass without records: partitions that went idle say so.
    public mutating func advanceTime(nowMillis: Int64) -> ProcessorOutput {
        var output = ProcessorOutput()
        output.progress = idleness(nowMillis: nowMillis, into: &output)
        return output
    }

    private func newPartition(nowMillis: Int64) -> Partition {
        Partition(aggregators: definition.aggregations.map(WindowedAggregator.init(spec:)), lastActivityMillis: nowMillis)
    }

    private mutating func retire(_ partition: Partition?) {
        for aggregator in partition?.aggregators ?? [] {
            retiredAggregationMetrics[aggregator.spec.name] = (retiredAggregationMetrics[aggregator.spec.name] ?? .init()) + aggregator.metrics
        }
    }

    private mutating func emit(_ shares: [WindowPartial], into output: inout ProcessorOutput) {
        metrics.partialsEmitted += UInt64(shares.count)
        output.partials += shares
    }

    /// Adds a kept event to the partition's windows and returns the shares its watermark now completes.
    private func aggregate(_ event: Event, in partition: inout Partition, nowMillis: Int64) -> [WindowPartial] {
        let before = partition.watermark(outOfOrdernessMillis: outOfOrdernessMillis)
        for index in partition.aggregators.indices {
            partition.aggregators[index].add(event, watermarkMillis: before, maxEventTimeBefore: partition.maxEventTimeMillis)
        }
        partition.maxEventTimeMillis = max(partition.maxEventTimeMillis ?? .min, event.timeMillis)
        partition.lastActivityMillis = max(partition.lastActivityMillis, nowMillis)
        partition.idle = false
        let watermark = partition.watermark(outOfOrdernessMillis: outOfOrdernessMillis)
        var shares: [WindowPartial] = []
        for index in partition.aggregators.indices {
            shares += partition.aggregators[index].advance(to: watermark, source: event.topicPartition, coveredOffset: event.offset + 1)
        }
        return shares
    }

    /// Reports a partition's progress when its watermark crossed a window end (or end + lateness) since
    /// the last report, or it stopped being idle: the merge needs nothing in between.
    private mutating func reportProgress(of source: TopicPartition, nowMillis: Int64, into output: inout ProcessorOutput) {
        guard let partition = partitions[source], partition.owned, !definition.aggregations.isEmpty else { return }
        let progress = SourceProgress(source: source, nextOffset: partition.nextOffset ?? 0,
                                      watermarkMillis: partition.watermark(outOfOrdernessMillis: outOfOrdernessMillis), idle: false)
        if let reported = partition.reported, !reported.idle,
           !crossed(from: reported.watermarkMillis, to: progress.watermarkMillis) { return }
        partitions[source]?.reported = progress
        output.progress.append(progress)
    }

    /// Partitions that went idle emit the shares of their open windows and report idle; idle partitions
    /// of a live source report the wall clock as it crosses window ends.
    private mutating func idleness(nowMillis: Int64, into output: inout ProcessorOutput) -> [SourceProgress] {
        guard let idleTimeout = definition.source.idleTimeoutMillis, !definition.aggregations.isEmpty else { return [] }
        var reports: [SourceProgress] = []
        for source in partitions.keys.sorted() {
            guard var partition = partitions[source], partition.owned, partition.replayingBelow == nil,
                  nowMillis - partition.lastActivityMillis >= idleTimeout else { continue }
            let wallClock = definition.source.followsWallClockWhenIdle ? nowMillis - idleTimeout - outOfOrdernessMillis : .min
            if partition.idle, let reported = partition.reported, !crossed(from: reported.wallClockMillis, to: wallClock) { continue }
            if !partition.idle {
                let covered = partition.nextOffset ?? 0
                for index in partition.aggregators.indices {
                    emit(partition.aggregators[index].provisional(source: source, coveredOffset: covered), into: &output)
                }
                partition.idle = true
            }
            let progress = SourceProgress(source: source, nextOffset: partition.nextOffset ?? 0,
                                          watermarkMillis: partition.watermark(outOfOrdernessMillis: outOfOrdernessMillis),
                                          idle: true, wallClockMillis: wallClock)
            partition.reported = progress
            partitions[source] = partition
            reports.append(progress)
        }
        return reports
    }

    /// Whether event time moved from `reported` past a deadline the merge acts on.
    private func crossed(from reported: Int64, to current: Int64) -> Bool {
        current > reported && current >= deadlines.next(after: reported)
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

/// What the source stage commits beside a partition's offset: where a replay rebuilds its state.
struct SourceCheckpoint: Codable, Equatable {
    var restore: RestorePoint
}

/// The watermark values the merge acts on: every window end and end + lateness of every aggregation.
/// A partition reports its progress only when its watermark crosses one.
struct ProgressDeadlines: Sendable {
    private let windows: [(window: WindowSpec, lateness: Int64)]

    init(_ aggregations: [WindowedAggregationSpec]) {
        windows = aggregations.map { ($0.window, $0.allowedLatenessMillis) }
    }

    /// The smallest deadline above `watermark` (`Int64.min` before any watermark: report the first).
    func next(after watermark: Int64) -> Int64 {
        guard watermark != .min else { return .min }
        var next = Int64.max
        for (window, lateness) in windows {
            for offset in [window.sizeMillis, window.sizeMillis + lateness] {
                // Window ends (plus lateness) are the multiples of the advance shifted by `offset`.
                let (shifted, overflow) = watermark.subtractingReportingOverflow(offset)
                guard !overflow else { continue }
                let (deadline, past) = (WindowSpec.floor(shifted, to: window.advanceMillis) + window.advanceMillis)
                    .addingReportingOverflow(offset)
                if !past { next = min(next, deadline) }
            }
        }
        return next
    }
}
