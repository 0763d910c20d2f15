/// What a parser found in a line: fields, and the schema values it could tell (a time, a level).
public struct ParsedRecord: Sendable, Equatable {
    public var fields: [String: FieldValue]
    public var timestamp: Int64?
    public var severity: Severity?

    public init(fields: [String: FieldValue], timestamp: Int64? = nil, severity: Severity? = nil) {
        self.fields = fields
        self.timestamp = timestamp
        self.severity = severity
    }
}

/// Why a parser rejected its input; becomes the event's `parseError`.
public struct FieldParseError: Error, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A pure function from text to a `ParsedRecord`; `reference` is the time the event was read,
/// for formats that omit the year.
public protocol FieldParser: Sendable {
    func parse(_ text: String, reference: Int64) throws(FieldParseError) -> ParsedRecord
}

/// Runs a `FieldParser` on one value of each event and merges what it found: fields into `target`
/// (nil: the top of `fields`), existing keys overwritten; a found time or level replaces the
/// event's. A failure never drops the event: it is kept unchanged with `parseError` noting the
/// transform and the reason.
public struct ParseTransform: EventTransform {
    public let name: String
    public let parser: any FieldParser
    public let source: FieldPath
    public let target: [String]?

    public init(name: String, parser: any FieldParser, source: FieldPath = .message, target: [String]? = nil) {
        self.name = name
        self.parser = parser
        self.source = source
        self.target = target
    }

    public func apply(_ event: consuming LogEvent) -> LogEvent? {
        guard let text = event[source]?.text else {
            event.noteParseError("\(name): \(source) is missing")
            return event
        }
        do {
            let record = try parser.parse(text, reference: event.timestamp)
            if let target {
                event.setField(target, to: .object(record.fields))
            } else if event.fields.isEmpty {
                event.fields = record.fields
            } else {
                event.fields.merge(record.fields) { _, parsed in parsed }
            }
            if let timestamp = record.timestamp { event.timestamp = timestamp }
            if let severity = record.severity { event.severity = severity }
        } catch {
            event.noteParseError("\(name): \(error)")
        }
        return event
    }
}
