/// Sets the event's severity from a field (`level`, `lvl`, `loglevel`…): the configured mapping
/// first (for an application's own spellings, like `W` → warning), then the common names and
/// numeric syslog codes `Severity(name:)` knows. A value neither knows leaves the severity as it
/// was, or sets `fallback` when one is configured.
public struct SeverityTransform: EventTransform {
    public let field: FieldPath
    public let mapping: [String: Severity]
    public let fallback: Severity?

    public init(field: FieldPath, mapping: [String: Severity] = [:], fallback: Severity? = nil) {
        self.field = field
        self.mapping = mapping
        self.fallback = fallback
    }

    public func apply(_ event: consuming LogEvent) -> LogEvent? {
        let text = event[field]?.text
        if let severity = text.flatMap({ mapping[$0] ?? Severity(name: $0) }) ?? fallback {
            event.severity = severity
        }
        return event
    }
}
