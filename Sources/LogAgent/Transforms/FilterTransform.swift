/// Keeps or drops events by conditions (all must hold). Dropped events count as delivered.
public struct FilterTransform: EventTransform {
    public enum Mode: Sendable {
        /// Pass only events for which the conditions hold.
        case keepIf
        /// Drop the events for which the conditions hold.
        case dropIf
    }

    public let mode: Mode
    public let conditions: [FieldCondition]

    public init(mode: Mode, conditions: [FieldCondition]) {
        self.mode = mode
        self.conditions = conditions
    }

    public func apply(_ event: consuming LogEvent) -> LogEvent? {
        conditions.allHold(for: event) == (mode == .keepIf) ? event : nil
    }
}
