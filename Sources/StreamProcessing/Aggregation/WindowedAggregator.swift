/// Event-time windowed aggregation of one spec, driven by a watermark it is told about.
///
/// Guarantees (W is the watermark before the event is applied, e a window's end, L the allowed lateness):
/// - an event updates each of its windows with e + L > W; for a window already emitted (e ≤ W) that
///   update is re-emitted at once with the next revision;
/// - an event the spec's `filter` rejects is ignored: it counts nowhere, not even as late;
/// - an event none of whose windows is open is dropped and counted in `metrics.lateEventsDropped`;
/// - `advance(to:)` emits every window with e ≤ W not yet emitted, and marks final (and forgets) every
///   window with e + L ≤ W;
/// - emissions of one call are ordered by window end, window start, then group key, so the output is a
///   function of the event sequence and the watermark alone; the whole state is `Codable`, so a restored
///   aggregator continues exactly as an uninterrupted one.
public struct WindowedAggregator: Codable, Sendable, Equatable {
    struct WindowKey: Hashable, Codable, Sendable, Comparable {
        var endMillis: Int64
        var startMillis: Int64
        var groupValues: [String]

        static func < (lhs: WindowKey, rhs: WindowKey) -> Bool {
            if lhs.endMillis != rhs.endMillis { return lhs.endMillis < rhs.endMillis }
            if lhs.startMillis != rhs.startMillis { return lhs.startMillis < rhs.startMillis }
            return lhs.groupValues.lexicographicallyPrecedes(rhs.groupValues)
        }
    }

    struct WindowState: Codable, Sendable, Equatable {
        var accumulators: [Accumulator]
        /// nil until first emitted.
        var emittedRevision: Int?
    }

    public struct Metrics: Codable, Sendable, Equatable {
        public var eventsAggregated: UInt64 = 0
        /// Events that updated at least one already-emitted window.
        public var lateEventsAccepted: UInt64 = 0
        /// Events all of whose windows had closed (end + lateness ≤ watermark).
        public var lateEventsDropped: UInt64 = 0
        /// Event-to-window assignments dropped because that window had closed (hopping windows).
        public var lateWindowAssignmentsDropped: UInt64 = 0
    }

    public let spec: WindowedAggregationSpec
    private var windows: [WindowKey: WindowState] = [:]
    private var lastWatermarkMillis: Int64 = .min
    /// The earliest watermark at which `advance` has anything to do: keeps per-event advances O(1).
    private var nextDeadlineMillis: Int64 = .max
    public private(set) var metrics = Metrics()

    public init(spec: WindowedAggregationSpec) {
        self.spec = spec
    }

    /// Number of windows held in memory (open, or emitted and still within lateness).
    public var openWindowCount: Int { windows.count }

    /// Adds an event, judged against the watermark `watermarkMillis` known before it; returns late re-emissions.
    public mutating func add(_ event: Event, watermarkMillis: Int64) -> [WindowResult] {
        if let filter = spec.filter, !filter.holds(for: event[filter.field]) { return [] }
        let groupValues = spec.groupBy.map { event[$0]?.description ?? "" }
        var updates: [WindowResult] = []
        var contributed = false
        var updatedEmitted = false
        for start in spec.window.windowStarts(containing: event.timeMillis) {
            let end = start + spec.window.sizeMillis
            guard !isClosed(endMillis: end, watermarkMillis: watermarkMillis) else {
                metrics.lateWindowAssignmentsDropped += 1
                continue
            }
            let key = WindowKey(endMillis: end, startMillis: start, groupValues: groupValues)
            var state = windows.removeValue(forKey: key)
                ?? WindowState(accumulators: spec.columns.map { Accumulator($0.function) }, emittedRevision: nil)
            for index in spec.columns.indices {
                state.accumulators[index].add(event, for: spec.columns[index].function)
            }
            contributed = true
            if end <= watermarkMillis {
                // Already past its end: emitted now, as the next revision (or the first, for a window
                // that only late events opened).
                state.emittedRevision = state.emittedRevision.map { $0 + 1 } ?? 0
                updatedEmitted = true
                updates.append(result(for: key, state: state, isFinal: false))
            }
            nextDeadlineMillis = min(nextDeadlineMillis, deadline(endMillis: end, emitted: state.emittedRevision != nil))
            windows[key] = state
        }
        if contributed { metrics.eventsAggregated += 1 } else { metrics.lateEventsDropped += 1 }
        if updatedEmitted { metrics.lateEventsAccepted += 1 }
        return updates
    }

    /// Emits windows the watermark has passed and finalizes those past their lateness.
    public mutating func advance(to watermarkMillis: Int64) -> [WindowResult] {
        guard watermarkMillis > lastWatermarkMillis else { return [] }
        lastWatermarkMillis = watermarkMillis
        guard watermarkMillis >= nextDeadlineMillis else { return [] }
        var emissions: [WindowResult] = []
        for key in windows.keys.filter({ $0.endMillis <= watermarkMillis }).sorted() {
            guard var state = windows[key] else { continue }
            let isFinal = isClosed(endMillis: key.endMillis, watermarkMillis: watermarkMillis)
            if state.emittedRevision == nil {
                state.emittedRevision = 0
                emissions.append(result(for: key, state: state, isFinal: isFinal))
            } else if isFinal, let revision = state.emittedRevision {
                state.emittedRevision = revision + 1
                emissions.append(result(for: key, state: state, isFinal: true))
            }
            windows[key] = isFinal ? nil : state
        }
        nextDeadlineMillis = windows.map { deadline(endMillis: $0.key.endMillis, emitted: $0.value.emittedRevision != nil) }.min() ?? .max
        return emissions
    }

    /// When a window next needs `advance`: at its end to be emitted, at end + lateness to be finalized.
    private func deadline(endMillis: Int64, emitted: Bool) -> Int64 {
        guard emitted else { return endMillis }
        let (deadline, overflow) = endMillis.addingReportingOverflow(spec.allowedLatenessMillis)
        return overflow ? .max : deadline
    }

    private func isClosed(endMillis: Int64, watermarkMillis: Int64) -> Bool {
        let (deadline, overflow) = endMillis.addingReportingOverflow(spec.allowedLatenessMillis)
        return !overflow && deadline <= watermarkMillis
    }

    private func result(for key: WindowKey, state: WindowState, isFinal: Bool) -> WindowResult {
        var values: [String: AggregateValue] = [:]
        for (column, accumulator) in zip(spec.columns, state.accumulators) {
            values[column.name] = accumulator.value
        }
        return WindowResult(
            aggregation: spec.name,
            groupKey: GroupKey(fields: spec.groupBy, values: key.groupValues),
            windowStartMillis: key.startMillis,
            windowEndMillis: key.endMillis,
            revision: state.emittedRevision ?? 0,
            isFinal: isFinal,
            values: values)
    }
}
