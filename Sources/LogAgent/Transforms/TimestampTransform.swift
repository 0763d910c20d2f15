/// Sets the event's timestamp from a field, trying the parser's formats in order. A value no
/// format accepts leaves the timestamp as it was and notes a parse error.
public struct TimestampTransform: EventTransform {
    public let name: String
    public let field: FieldPath
    public let parser: TimestampParser

    public init(name: String, field: FieldPath, parser: TimestampParser) {
        self.name = name
        self.field = field
        self.parser = parser
    }

    public func apply(_ event: consuming LogEvent) -> LogEvent? {
        switch event[field] {
        case nil, .null?:
            event.noteParseError("\(name): \(field) is missing")
        case .int(let number)?:
            apply(String(number), to: &event)
        case let value?:
            apply(value.text ?? "", to: &event)
        }
        return event
    }

    private func apply(_ text: String, to event: inout LogEvent) {
        if let instant = parser.parse(text, reference: event.timestamp) {
            event.timestamp = instant
        } else {
            event.noteParseError("\(name): no timestamp format matches '\(text.prefix(64))'")
        }
    }
}
