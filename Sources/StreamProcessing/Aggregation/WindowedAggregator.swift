/// Event-time windowed aggregation of one spec over one source partition, driven by that partition's
/// own watermark. Its output is the partition's share of each window (`WindowPartial`), which the merge
/// combines with the other partitions' shares.
///
/// Guarantees (W is the partition's watermark before the event is applied, e a window's end, L the
/// allowed lateness):
/// - an event updates each of its windows with e + L > W, silently: an update of a window whose end W had
///   reached (a late event) shows in the window's `closed` share and counts in `lateEventsAccepted`;
/// - an event the spec's `filter` rejects is ignored: it counts nowhere, not even as late;
/// - an event none of whose windows is open is dropped and counted in `lateEventsDropped`;
/// - `advance(to:)` emits an `ended` share of every window with e ≤ W that existed as W reached e (so it
///   covers the record that moved W there, not the late events after), and a `closed` share (then forgets
///   the window) of every window with e + L ≤ W; a window reaching both at once gets one share,
///   `endedAndClosed`; a window only late events opened gets no `ended` share;
/// - `provisional` emits the current share of every window updated since its last share;
/// - emissions of one call are ordered by window end, window start, then group key, so the output is a
///   function of the partition's records alone.
public struct WindowedAggregator: Sendable, Equatable {
    struct WindowKey: Hashable, Sendable, Comparable {
        var endMillis: Int64
        var startMillis: Int64
        var groupValues: [String]

        static func < (lhs: WindowKey, rhs: WindowKey) -> Bool {
            if lhs.endMillis != rhs.endMillis { return lhs.endMillis < rhs.endMillis }
            if lhs.startMillis != rhs.startMillis { return lhs.startMillis < rhs.startMillis }
            return lhs.groupValues.lexicographicallyPrecedes(rhs.groupValues)
        }
    }

    struct WindowState: Sendable, Equatable {
        var accumulators: [Accumulator]
        /// The watermark reached the end: an `ended` share went out, or the window opened after.
        var ended: Bool
        /// Updated since its last share was emitted.
        var unpublished = true
        /// Where a replay that rebuilds this window starts: its first event's offset, and the partition's
        /// highest event time before that event.
        var origin: RestorePoint
    }

    public struct Metrics: Codable, Sendable, Equatable {
        public var eventsAggregated: UInt64 = 0
        /// Events that updated at least one window whose end the partition's watermark had reached.
        public var lateEventsAccepted: UInt64 = 0
        /// Events all of whose windows had closed (end + lateness ≤ watermark).
        public var lateEventsDropped: UInt64 = 0
        /// Event-to-window assignments dropped because that window had closed (hopping windows).
        public var lateWindowAssignmentsDropped: UInt64 = 0

        public static func + (lhs: Metrics, rhs: Metrics) -> Metrics {
            Metrics(eventsAggregated: lhs.eventsAggregated + rhs.eventsAggregated,
                    lateEventsAccepted: lhs.lateEventsAccepted + rhs.lateEventsAccepted,
                    lateEventsDropped: lhs.lateEventsDropped + rhs.lateEventsDropped,
                    lateWindowAssignmentsDropped: lhs.lateWindowAssignmentsDropped + rhs.lateWindowAssignmentsDropped)
        }
    }

    public let spec: WindowedAggregationSpec
    private var windows: [WindowKey: WindowState] = [:]
    /// The earliest watermark at which `advance` has anything to do: keeps per-event advances O(1).
    private var nextDeadlineMillis: Int64 = .max
    public private(set) var metrics = Metrics()

    public init(spec: WindowedAggregationSpec) {
        self.spec = spec
    }

    /// Number of windows held in memory (open, or ended and still within lateness).
    public var openWindowCount: Int { windows.count }

    /// Where a replay must start to rebuild every window held now: the earliest window's origin.
    var restorePoint: RestorePoint? {
        windows.values.map(\.origin).min { $0.offset < $1.offset }
    }

    /// Adds an event, judged against the partition's watermark before it; `maxEventTimeBefore` is the
    /// partition's highest event time before this event (the origin of a window the event opens).
    public mutating func add(_ event: Event, watermarkMillis: Int64, maxEventTimeBefore: Int64?) {
        if let filter = spec.filter, !filter.holds(for: event[filter.field]) { return }
        let groupValues = spec.groupBy.map { event[$0]?.description ?? "" }
        var contributed = false
        var updatedEnded = false
        for start in spec.window.windowStarts(containing: event.timeMillis) {
            let end = start + spec.window.sizeMillis
            guard !isClosed(endMillis: end, watermarkMillis: watermarkMillis) else {
                metrics.lateWindowAssignmentsDropped += 1
                continue
            }
            let key = WindowKey(endMillis: end, startMillis: start, groupValues: groupValues)
            // A window that only now opens although W is past its end had nothing when W reached the end:
            // it takes no part in revision 0.
            var state = windows.removeValue(forKey: key)
                ?? WindowState(accumulators: spec.columns.map { Accumulator($0.function) }, ended: end <= watermarkMillis,
                               origin: RestorePoint(offset: event.offset, maxEventTimeMillis: maxEventTimeBefore))
            for index in spec.columns.indices {
                state.accumulators[index].add(event, for: spec.columns[index].function)
            }
            state.unpublished = true
            contributed = true
            if end <= watermarkMillis { updatedEnded = true }
            nextDeadlineMillis = min(nextDeadlineMillis, deadline(endMillis: end, ended: state.ended))
            windows[key] = state
        }
        if contributed { metrics.eventsAggregated += 1 } else { metrics.lateEventsDropped += 1 }
        if updatedEnded { metrics.lateEventsAccepted += 1 }
    }

    /// Emits the shares of windows whose end or end + lateness the watermark reached; `coveredOffset` is
    /// the partition's next offset (the shares cover every record below it).
    public mutating func advance(to watermarkMillis: Int64, source: TopicPartition, coveredOffset: Int64) -> [WindowPartial] {
        guard watermarkMillis >= nextDeadlineMillis else { return [] }
        var shares: [WindowPartial] = []
        for key in windows.keys.filter({ $0.endMillis <= watermarkMillis }).sorted() {
            guard var state = windows[key] else { continue }
            let closed = isClosed(endMillis: key.endMillis, watermarkMillis: watermarkMillis)
            if closed {
                shares.append(share(key, state, stage: state.ended ? .closed : .endedAndClosed, source: source, coveredOffset: coveredOffset))
                windows[key] = nil
            } else if !state.ended {
                state.ended = true
                state.unpublished = false
                shares.append(share(key, state, stage: .ended, source: source, coveredOffset: coveredOffset))
                windows[key] = state
            }
        }
        nextDeadlineMillis = windows.map { deadline(endMillis: $0.key.endMillis, ended: $0.value.ended) }.min() ?? .max
        return shares
    }

    /// The current share of every window updated since its last share (the partition went idle).
    public mutating func provisional(source: TopicPartition, coveredOffset: Int64) -> [WindowPartial] {
        var shares: [WindowPartial] = []
        for key in windows.keys.filter({ windows[$0]?.unpublished == true }).sorted() {
            guard var state = windows[key] else { continue }
            state.unpublished = false
            shares.append(share(key, state, stage: state.ended ? .updated : .provisional, source: source, coveredOffset: coveredOffset))
            windows[key] = state
        }
        return shares
    }

    /// Forgets the counters, for a processor that replays records it already counted.
    mutating func resetMetrics() {
        metrics = Metrics()
    }

    /// When a window next needs `advance`: at its end to be ended, at end + lateness to be closed.
    private func deadline(endMillis: Int64, ended: Bool) -> Int64 {
        guard ended else { return endMillis }
        let (deadline, overflow) = endMillis.addingReportingOverflow(spec.allowedLatenessMillis)
        return overflow ? .max : deadline
    }

    private func isClosed(endMillis: Int64, watermarkMillis: Int64) -> Bool {
        let (deadline, overflow) = endMillis.addingReportingOverflow(spec.allowedLatenessMillis)
        return !overflow && deadline <= watermarkMillis
    }

    private func share(_ key: WindowKey, _ state: WindowState, stage: WindowPartial.Stage, source: TopicPartition,
                       coveredOffset: Int64) -> WindowPartial {
        WindowPartial(aggregation: spec.name, groupValues: key.groupValues, windowStartMillis: key.startMillis,
                      windowEndMillis: key.endMillis, source: source, coveredOffset: coveredOffset, stage: stage,
                      accumulators: state.accumulators)
    }
}

/// Where a replay of a source partition starts so that it rebuilds the partition's state exactly: an
/// offset, and the partition's highest event time before it (which sets the watermark the replayed
/// records are judged by).
public struct RestorePoint: Codable, Sendable, Equatable {
    public var offset: Int64
    public var maxEventTimeMillis: Int64?
}
