import Foundation

/// The merge stage of `logport process`: partials-topic records in (every source partition's share of
/// every window, and every source partition's progress), merged windows, detector verdicts and alert
/// events out. Each partials-topic partition is merged on its own (`MergePartition`), so the group may
/// give them to different members.
///
/// Guarantees, per window of one group (e its end, L the allowed lateness, F the merge watermark: the
/// lowest watermark among source partitions that are not idle, or, when all are idle, the highest one,
/// or the wall clock of a live source):
/// - revision 0 is emitted when F reaches e, from each source partition's `ended` share (the share as
///   that partition's own watermark reached e), or the `provisional` share of a partition that went idle
///   before; partitions whose share holds late events only take no part;
/// - with L > 0, revision 1, final, is emitted when F reaches e + L, from each partition's latest share:
///   every event a partition accepted, late ones included. With L = 0 revision 0 is final;
/// - a window without shares for revision 0 when F reaches e (only late events fed it), or whose first
///   share arrives after (from a partition that had been idle), is emitted once, final; shares of windows
///   F passed e + L are dropped and counted;
/// - F waits for every partition of the source topics (`updateSourcePartitions`): one that never reported
///   holds it back, so a partition whose member crashed holds windows until another member takes it;
/// - all of the above is a function of the records of the partials partition: a replay after a restart
///   or takeover emits the same results at the same positions (`WindowResult.position`), so sinks that
///   store positions write each once.
public struct MergeProcessor: PipelineStage {
    public struct Metrics: Codable, Sendable, Equatable {
        public var recordsProcessed: UInt64 = 0
        /// Records read again to rebuild a partials partition's windows (after a restart or a takeover).
        public var recordsReplayed: UInt64 = 0
        public var recordsFailed: UInt64 = 0
        public var windowsEmitted: UInt64 = 0
        /// Shares that arrived after their window was final: repeats, or a partition that resumed after
        /// having been idle.
        public var partialsAfterFinal: UInt64 = 0

        static func + (lhs: Metrics, rhs: Metrics) -> Metrics {
            Metrics(recordsProcessed: lhs.recordsProcessed + rhs.recordsProcessed, recordsReplayed: lhs.recordsReplayed + rhs.recordsReplayed,
                    recordsFailed: lhs.recordsFailed + rhs.recordsFailed, windowsEmitted: lhs.windowsEmitted + rhs.windowsEmitted,
                    partialsAfterFinal: lhs.partialsAfterFinal + rhs.partialsAfterFinal)
        }
    }

    public struct Report: Sendable {
        public var metrics: Metrics
        public var alerts: AlertEngine.Metrics
        /// Lowest merge watermark among owned partials partitions that have one.
        public var watermarkMillis: Int64?
        public var nextOffsets: [TopicPartition: Int64]
    }

    public let definition: PipelineDefinition
    private let fingerprint: String
    private var partitions: [TopicPartition: MergePartition] = [:]
    private var sourcePartitions: Set<TopicPartition>?
    /// Counters of partition states replaced by a restore or dropped, so totals never go down.
    private var retired = Metrics()
    private var retiredAlerts = AlertEngine.Metrics()

    public init(definition: PipelineDefinition) {
        self.definition = definition
        self.fingerprint = definition.mergeFingerprint
    }

    /// The partitions of the source topics, which the merge watermark waits for. Until the first call the
    /// merge emits nothing: it cannot tell which partitions have not reported yet.
    public mutating func updateSourcePartitions(_ partitions: Set<TopicPartition>) {
        sourcePartitions = partitions
    }

    public var report: Report {
        let owned = partitions.filter(\.value.owned)
        var alerts = retiredAlerts
        var metrics = retired
        for partition in partitions.values {
            metrics = metrics + partition.metrics
            alerts.deduplicated += partition.alerts.metrics.deduplicated
            alerts.suppressedByCooldown += partition.alerts.metrics.suppressedByCooldown
        }
        return Report(metrics: metrics, alerts: alerts,
                      watermarkMillis: owned.values.map(\.frontier).filter { $0 != .min }.min(),
                      nextOffsets: owned.compactMapValues(\.consumedOffset))
    }

    public mutating func assign(_ assigned: [TopicPartition], checkpoints: [TopicPartition: PartitionCheckpoint],
                                nowMillis: Int64) -> [TopicPartition: Int64] {
        var seeks: [TopicPartition: Int64] = [:]
        for partition in assigned {
            let saved = checkpoints[partition].flatMap { checkpoint in
                (try? StateCoding.decoder.decode(MergeCheckpoint.self, from: Data(checkpoint.state))).map { (checkpoint.offset, $0) }
            }
            if var known = partitions[partition], let consumed = known.consumedOffset, consumed >= saved?.1.consumedOffset ?? .min {
                // Nobody merged past this member's own position since: its state is still the partition's.
                known.owned = true
                partitions[partition] = known
                seeks[partition] = consumed
            } else if let (offset, checkpoint) = saved {
                retire(partitions[partition])
                partitions[partition] = checkpoint.fingerprint == fingerprint
                    ? MergePartition(definition: definition, partition: partition, restoring: checkpoint)
                    : MergePartition(definition: definition, partition: partition)
                seeks[partition] = offset
            } else if partitions[partition] == nil {
                partitions[partition] = MergePartition(definition: definition, partition: partition)
            } else {
                partitions[partition]?.owned = true
            }
        }
        return seeks
    }

    public mutating func revoke(_ revoked: [TopicPartition]) {
        for partition in revoked { partitions[partition]?.owned = false }
    }

    public func checkpoint(_ partition: TopicPartition) -> PartitionCheckpoint? {
        guard let merge = partitions[partition], let (offset, checkpoint) = merge.checkpoint(fingerprint: fingerprint) else { return nil }
        // Cannot fail: the checkpoint holds strings, integers and doubles only (see `StateCoding`).
        let state = (try? StateCoding.encoder.encode(checkpoint)) ?? Data()
        return PartitionCheckpoint(offset: offset, state: Array(state))
    }

    public mutating func process(_ records: [SourceRecord], nowMillis: Int64) -> ProcessorOutput {
        var output = ProcessorOutput()
        for record in records {
            var merge = partitions.removeValue(forKey: record.topicPartition) ?? MergePartition(definition: definition, partition: record.topicPartition)
            merge.process(record, sourcePartitions: sourcePartitions, into: &output)
            partitions[record.topicPartition] = merge
        }
        return output
    }

    /// The merge acts on records only (idleness arrives as progress reports), so time alone changes nothing.
    public func advanceTime(nowMillis: Int64) -> ProcessorOutput { ProcessorOutput() }

    private mutating func retire(_ partition: MergePartition?) {
        guard let partition else { return }
        retired = retired + partition.metrics
        retiredAlerts.deduplicated += partition.alerts.metrics.deduplicated
        retiredAlerts.suppressedByCooldown += partition.alerts.metrics.suppressedByCooldown
    }
}

/// The merge of one partials-topic partition: the windows whose groups route to it, the progress of every
/// source partition, and the detectors and alert rules of those groups.
struct MergePartition: Sendable {
    struct WindowKey: Hashable, Codable, Sendable, Comparable {
        var endMillis: Int64
        var startMillis: Int64
        var aggregation: String
        var groupValues: [String]

        static func < (lhs: WindowKey, rhs: WindowKey) -> Bool {
            if lhs.endMillis != rhs.endMillis { return lhs.endMillis < rhs.endMillis }
            if lhs.startMillis != rhs.startMillis { return lhs.startMillis < rhs.startMillis }
            if lhs.aggregation != rhs.aggregation { return lhs.aggregation < rhs.aggregation }
            return lhs.groupValues.lexicographicallyPrecedes(rhs.groupValues)
        }
    }

    /// A share as held, with the partials-topic offset that carried it (a replay must reach back to it).
    struct Held: Sendable {
        var coveredOffset: Int64
        var stage: WindowPartial.Stage
        var accumulators: [Accumulator]
        var recordOffset: Int64
    }

    struct Contribution: Sendable {
        /// The partition's `ended` (or `endedAndClosed`) share, the one with the lowest covered offset should it repeat.
        var ended: Held?
        var latest: Held

        /// The partition's part in revision 0, if it has one.
        var first: Held? { ended ?? (latest.stage == .provisional ? latest : nil) }
    }

    struct Window: Sendable {
        var contributions: [TopicPartition: Contribution] = [:]
        /// Revision 0 was emitted, or will not be (the window opened after the watermark reached its end).
        var firstDone: Bool
    }

    let partition: TopicPartition
    private let specs: [String: WindowedAggregationSpec]
    private var windows: [WindowKey: Window] = [:]
    private var progress: [TopicPartition: SourceProgress] = [:]
    private(set) var frontier: Int64 = .min
    private var detectors: DetectorBank
    private(set) var alerts: AlertEngine
    /// The next partials-topic offset to read.
    private(set) var consumedOffset: Int64?
    /// Replay after a restore: records below this rebuild windows only; progress, detectors and alerts are
    /// already as of this offset.
    private var replayingBelow: Int64?
    /// Windows of the restored checkpoint whose revision 0 was emitted before it.
    private var restoredFirstDone: Set<WindowKey> = []
    var owned = true
    private(set) var metrics = MergeProcessor.Metrics()

    init(definition: PipelineDefinition, partition: TopicPartition) {
        self.partition = partition
        self.specs = Dictionary(definition.aggregations.map { ($0.name, $0) }) { first, _ in first }
        self.detectors = DetectorBank(specs: definition.detectors)
        self.alerts = AlertEngine(rules: definition.alerts, windowSpecs: specs.mapValues(\.window))
    }

    init(definition: PipelineDefinition, partition: TopicPartition, restoring checkpoint: MergeCheckpoint) {
        self.init(definition: definition, partition: partition)
        for report in checkpoint.progress { progress[report.source] = report }
        frontier = checkpoint.frontier
        detectors = checkpoint.detectors
        alerts = checkpoint.alerts
        replayingBelow = checkpoint.consumedOffset
        restoredFirstDone = Set(checkpoint.firstDone)
    }

    /// The checkpoint as of `consumedOffset`, and the offset a replay that rebuilds the windows starts at:
    /// the oldest record still needed by a window not yet final.
    func checkpoint(fingerprint: String) -> (offset: Int64, MergeCheckpoint)? {
        guard let consumedOffset else { return nil }
        var replayFrom = consumedOffset
        for window in windows.values {
            for contribution in window.contributions.values {
                replayFrom = min(replayFrom, contribution.latest.recordOffset)
                if !window.firstDone, let ended = contribution.ended { replayFrom = min(replayFrom, ended.recordOffset) }
            }
        }
        let firstDone = restoredFirstDone.union(windows.filter(\.value.firstDone).keys)
        return (replayFrom, MergeCheckpoint(
            fingerprint: fingerprint, consumedOffset: replayingBelow ?? consumedOffset,
            progress: progress.values.sorted { $0.source < $1.source }, frontier: frontier,
            firstDone: firstDone.sorted(), detectors: detectors, alerts: alerts))
    }

    mutating func process(_ record: SourceRecord, sourcePartitions: Set<TopicPartition>?, into output: inout ProcessorOutput) {
        if let next = consumedOffset, record.offset < next { return }
        consumedOffset = record.offset + 1
        let replaying = replayingBelow.map { record.offset < $0 } ?? false
        if replaying { metrics.recordsReplayed += 1 } else { metrics.recordsProcessed += 1 }
        defer {
            if let below = replayingBelow, record.offset + 1 >= below {
                replayingBelow = nil
                restoredFirstDone = []
            }
        }
        let decoded: ExchangeRecord?
        do {
            decoded = try Exchange.decode(record)
        } catch {
            metrics.recordsFailed += 1
            if !replaying {
                output.failures.append(RecordFailure(topicPartition: record.topicPartition, offset: record.offset,
                                                     error: error as? FieldParseError ?? .invalidJSON("\(error)")))
            }
            return
        }
        switch decoded {
        case .partial(let share):
            hold(share, recordOffset: record.offset, replaying: replaying)
        case .progress(let report) where !replaying:
            guard progress[report.source].map({ report.supersedes($0) }) ?? true else { return }
            progress[report.source] = report
            advance(sourcePartitions: sourcePartitions, position: RecordPosition(topicPartition: partition, offset: record.offset), into: &output)
        case .progress, nil:
            break
        }
    }

    private mutating func hold(_ share: WindowPartial, recordOffset: Int64, replaying: Bool) {
        guard let spec = specs[share.aggregation], share.accumulators.count == spec.columns.count else { return }
        let key = WindowKey(endMillis: share.windowEndMillis, startMillis: share.windowStartMillis,
                            aggregation: share.aggregation, groupValues: share.groupValues)
        guard !reached(share.windowEndMillis, plus: spec.allowedLatenessMillis) else {
            metrics.partialsAfterFinal += 1
            return
        }
        var window = windows[key] ?? Window(firstDone: replaying ? restoredFirstDone.contains(key) : frontier >= share.windowEndMillis)
        let held = Held(coveredOffset: share.coveredOffset, stage: share.stage, accumulators: share.accumulators, recordOffset: recordOffset)
        var contribution = window.contributions[share.source] ?? Contribution(ended: nil, latest: held)
        // At equal covered offsets, the later of the partition's stages is the newer share.
        if (share.coveredOffset, share.stage.order) > (contribution.latest.coveredOffset, contribution.latest.stage.order) {
            contribution.latest = held
        }
        if share.stage.isEnded, share.coveredOffset < contribution.ended?.coveredOffset ?? .max { contribution.ended = held }
        if window.firstDone { contribution.ended = nil }  // revision 0 is behind: only the latest share matters
        window.contributions[share.source] = contribution
        windows[key] = window
    }

    /// Moves the merge watermark with the progress reports and emits what it completes.
    private mutating func advance(sourcePartitions: Set<TopicPartition>?, position: RecordPosition, into output: inout ProcessorOutput) {
        guard let sourcePartitions else { return }
        let all = sourcePartitions.union(progress.keys)
        let active = all.filter { progress[$0]?.idle != true }
        let candidate: Int64
        if !active.isEmpty {
            // A partition that never reported has no watermark yet: it holds everything back.
            candidate = active.map { progress[$0]?.watermarkMillis ?? .min }.min() ?? .min
        } else {
            candidate = all.map { max(progress[$0]?.watermarkMillis ?? .min, progress[$0]?.wallClockMillis ?? .min) }.max() ?? .min
        }
        guard candidate > frontier else { return }
        frontier = candidate
        for key in windows.keys.filter({ $0.endMillis <= frontier }).sorted() {
            guard var window = windows[key], let spec = specs[key.aggregation] else { continue }
            let final = reached(key.endMillis, plus: spec.allowedLatenessMillis)
            if !window.firstDone {
                window.firstDone = true
                emit(key, window.contributions.compactMapValues(\.first), revision: 0,
                     isFinal: final && spec.allowedLatenessMillis == 0, spec: spec, position: position, into: &output)
                for source in window.contributions.keys { window.contributions[source]?.ended = nil }
            }
            if final {
                if spec.allowedLatenessMillis > 0 {
                    emit(key, window.contributions.mapValues(\.latest), revision: 1, isFinal: true, spec: spec, position: position, into: &output)
                }
                windows[key] = nil
            } else {
                windows[key] = window
            }
        }
        output.alerts += alerts.advance(watermarkMillis: frontier)
    }

    private func reached(_ endMillis: Int64, plus latenessMillis: Int64) -> Bool {
        let (deadline, overflow) = endMillis.addingReportingOverflow(latenessMillis)
        return !overflow && deadline <= frontier
    }

    private mutating func emit(_ key: WindowKey, _ shares: [TopicPartition: Held], revision: Int, isFinal: Bool,
                               spec: WindowedAggregationSpec, position: RecordPosition, into output: inout ProcessorOutput) {
        // Merged in partition order, so floating-point sums come out the same on every member.
        var merged: [Accumulator]?
        for source in shares.keys.sorted() {
            guard let accumulators = shares[source]?.accumulators else { continue }
            if merged == nil {
                merged = accumulators
            } else {
                for index in accumulators.indices { merged?[index].merge(accumulators[index]) }
            }
        }
        guard let merged else { return }
        var values: [String: AggregateValue] = [:]
        for (column, accumulator) in zip(spec.columns, merged) { values[column.name] = accumulator.value }
        let result = WindowResult(aggregation: key.aggregation, groupKey: GroupKey(fields: spec.groupBy, values: key.groupValues),
                                  windowStartMillis: key.startMillis, windowEndMillis: key.endMillis, revision: revision,
                                  isFinal: isFinal, values: values, position: position)
        metrics.windowsEmitted += 1
        output.windowResults.append(result)
        let verdicts = detectors.observe(result)
        output.verdicts += verdicts
        output.alerts += alerts.observe(result)
        for verdict in verdicts { output.alerts += alerts.observe(verdict) }
    }
}

/// What the merge stage saves with a partials partition's committed offset: everything but the windows,
/// which a replay from the committed offset rebuilds.
struct MergeCheckpoint: Codable, Sendable {
    /// Of the aggregations, detectors and alerts: a checkpoint restores only into the same ones.
    var fingerprint: String
    /// The next offset read when the checkpoint was taken.
    var consumedOffset: Int64
    var progress: [SourceProgress]
    var frontier: Int64
    /// Windows not yet final whose revision 0 is behind.
    var firstDone: [MergePartition.WindowKey]
    var detectors: DetectorBank
    var alerts: AlertEngine
}
