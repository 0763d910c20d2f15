/// Evaluates alert rules over window results, detector verdicts and watermark progress.
///
/// Guarantees, per rule and group key:
/// - at most one open alert: while it is open, further matching points produce no event (deduplicated);
/// - a `resolved` event when the condition stops holding for an open alert;
/// - no new alert within `cooldownMillis` of event time after the previous one resolved (suppressed);
/// - only revision 0 of a window is evaluated, so late revisions do not re-trigger;
/// - the state is `Codable`, so alerts stay open (not duplicated) across a restart from a checkpoint.
public struct AlertEngine: Codable, Sendable, Equatable {
    struct SeriesState: Codable, Sendable, Equatable {
        var openedAtMillis: Int64?
        var lastResolvedAtMillis: Int64?
        var previousValue: Double?
        var lastDataWindowEndMillis: Int64?
    }

    public struct Metrics: Codable, Sendable, Equatable {
        public var deduplicated: UInt64 = 0
        public var suppressedByCooldown: UInt64 = 0
    }

    public let rules: [AlertRuleSpec]
    /// Window advance of each aggregation, to count closed windows for absence rules.
    let windowSpecs: [String: WindowSpec]
    private var series: [String: [GroupKey: SeriesState]] = [:]
    public private(set) var metrics = Metrics()

    public init(rules: [AlertRuleSpec], windowSpecs: [String: WindowSpec]) {
        self.rules = rules
        self.windowSpecs = windowSpecs
    }

    public mutating func observe(_ result: WindowResult) -> [AlertEvent] {
        guard result.revision == 0 else { return [] }
        var events: [AlertEvent] = []
        for rule in rules {
            guard case .column(let aggregation, let column) = rule.source, aggregation == result.aggregation else { continue }
            var state = series[rule.name]?[result.groupKey] ?? SeriesState()
            let value = result.values[column]?.number
            let holds: Bool?
            switch rule.condition {
            case .threshold(let comparison, let limit):
                holds = value.map { comparison.holds($0, limit) }
            case .rateOfChange(let comparison, let limit, let relative):
                holds = Self.change(from: state.previousValue, to: value, relative: relative).map { comparison.holds($0, limit) }
                if let value { state.previousValue = value }
            case .absence:
                state.lastDataWindowEndMillis = result.windowEndMillis
                holds = false
            case .anomalyScore:
                holds = nil
            }
            if let holds, let event = transition(rule, result.groupKey, &state, holds: holds, value: value, atMillis: result.windowEndMillis,
                                                 detail: "\(rule.source) = \(value.map(Self.format) ?? "none")") {
                events.append(event)
            }
            series[rule.name, default: [:]][result.groupKey] = state
        }
        return events
    }

    public mutating func observe(_ verdict: AnomalyVerdict) -> [AlertEvent] {
        var events: [AlertEvent] = []
        for rule in rules {
            guard case .detector(let detector) = rule.source, detector == verdict.detector,
                  case .anomalyScore(let minimum) = rule.condition, let score = verdict.score else { continue }
            var state = series[rule.name]?[verdict.groupKey] ?? SeriesState()
            if let event = transition(rule, verdict.groupKey, &state, holds: abs(score) >= minimum, value: score,
                                      atMillis: verdict.windowEndMillis,
                                      detail: "anomaly score \(Self.format(score)) for value \(Self.format(verdict.value))") {
                events.append(event)
            }
            series[rule.name, default: [:]][verdict.groupKey] = state
        }
        return events
    }

    /// Evaluates absence rules for every key they have seen, once the watermark reached `watermarkMillis`.
    public mutating func advance(watermarkMillis: Int64) -> [AlertEvent] {
        var events: [AlertEvent] = []
        for rule in rules {
            guard case .absence(let windows) = rule.condition, case .column(let aggregation, _) = rule.source,
                  let window = windowSpecs[aggregation], let keys = series[rule.name] else { continue }
            let closedThrough = window.latestWindowEnd(atOrBefore: watermarkMillis)
            for (key, var state) in keys.sorted(by: { $0.key < $1.key }) {
                guard let lastData = state.lastDataWindowEndMillis else { continue }
                let missing = (closedThrough - lastData) / window.advanceMillis
                guard missing >= Int64(windows) else { continue }
                if let event = transition(rule, key, &state, holds: true, value: Double(missing), atMillis: closedThrough,
                                          detail: "no data from \(rule.source) for \(missing) windows") {
                    events.append(event)
                }
                series[rule.name]?[key] = state
            }
        }
        return events
    }

    private mutating func transition(_ rule: AlertRuleSpec, _ key: GroupKey, _ state: inout SeriesState,
                                     holds: Bool, value: Double?, atMillis: Int64, detail: String) -> AlertEvent? {
        switch (holds, state.openedAtMillis) {
        case (true, nil):
            if let resolved = state.lastResolvedAtMillis, atMillis < resolved + rule.cooldownMillis {
                metrics.suppressedByCooldown += 1
                return nil
            }
            state.openedAtMillis = atMillis
            return event(rule, key, .firing, atMillis: atMillis, openedAtMillis: atMillis, value: value, detail: detail)
        case (true, .some):
            metrics.deduplicated += 1
            return nil
        case (false, .some(let openedAt)):
            state.openedAtMillis = nil
            state.lastResolvedAtMillis = atMillis
            return event(rule, key, .resolved, atMillis: atMillis, openedAtMillis: openedAt, value: value, detail: detail)
        case (false, nil):
            return nil
        }
    }

    private func event(_ rule: AlertRuleSpec, _ key: GroupKey, _ state: AlertEvent.State, atMillis: Int64,
                       openedAtMillis: Int64, value: Double?, detail: String) -> AlertEvent {
        AlertEvent(
            id: "\(rule.name)|\(key)|\(openedAtMillis)", rule: rule.name, severity: rule.severity, groupKey: key,
            state: state, atMillis: atMillis, openedAtMillis: openedAtMillis, value: value,
            message: "\(rule.name) \(state.rawValue) for \(key): \(detail)")
    }

    private static func change(from previous: Double?, to value: Double?, relative: Bool) -> Double? {
        guard let previous, let value else { return nil }
        guard relative else { return value - previous }
        return previous == 0 ? nil : (value - previous) / abs(previous)
    }

    private static func format(_ value: Double) -> String {
        FieldValue.number(value).description
    }
}
