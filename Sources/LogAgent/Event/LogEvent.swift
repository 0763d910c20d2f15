/// One normalized log record, whatever its origin. Every source produces this shape and every
/// sink consumes it. A record whose parsing failed is still an event: `parseError` says why and
/// `raw` keeps the original text, so nothing read is ever dropped for being malformed.
public struct LogEvent: Sendable, Equatable {
    /// Milliseconds since the Unix epoch: from the record when a parser found a time, else the
    /// time the agent read it.
    public var timestamp: Int64
    /// The host the record was produced on (the agent's host for files and stdin, the syslog
    /// HOSTNAME or peer for syslog).
    public var host: String
    /// Where the agent read it: a file path, `syslog://peer`, or `stdin`.
    public var source: String
    public var service: String?
    public var severity: Severity?
    public var message: String
    public var fields: [String: FieldValue]
    /// The line exactly as read (without its line terminator).
    public var raw: String
    public var parseError: String?

    public init(
        timestamp: Int64, host: String, source: String, service: String? = nil, severity: Severity? = nil,
        message: String, fields: [String: FieldValue] = [:], raw: String? = nil, parseError: String? = nil
    ) {
        self.timestamp = timestamp
        self.host = host
        self.source = source
        self.service = service
        self.severity = severity
        self.message = message
        self.fields = fields
        self.raw = raw ?? message
        self.parseError = parseError
    }

    /// Records a parse failure without losing an earlier one: several parsers may fail on one event.
    public mutating func noteParseError(_ description: String) {
        parseError = parseError.map { $0 + "; " + description } ?? description
    }

    /// Reads the value a path names; nil when absent.
    public subscript(path: FieldPath) -> FieldValue? {
        switch path {
        case .timestamp: return .int(timestamp)
        case .host: return .string(host)
        case .source: return .string(source)
        case .service: return service.map(FieldValue.string)
        case .severity: return severity.map { .string($0.name) }
        case .message: return .string(message)
        case .raw: return .string(raw)
        case .field(let components): return Self.lookup(components[...], in: fields)
        }
    }

    /// Stores `value` in `fields` at a nested path, creating objects on the way and replacing any
    /// non-object in the way.
    public mutating func setField(_ components: [String], to value: FieldValue) {
        guard let first = components.first else { return }
        Self.store(value, at: components.dropFirst(), under: first, in: &fields)
    }

    private static func lookup(_ components: ArraySlice<String>, in object: [String: FieldValue]) -> FieldValue? {
        guard let first = components.first, let value = object[first] else { return nil }
        let rest = components.dropFirst()
        if rest.isEmpty { return value }
        guard case .object(let child) = value else { return nil }
        return lookup(rest, in: child)
    }

    private static func store(
        _ value: FieldValue, at rest: ArraySlice<String>, under key: String, in object: inout [String: FieldValue]
    ) {
        guard let next = rest.first else {
            object[key] = value
            return
        }
        var child: [String: FieldValue] = [:]
        if case .object(let existing) = object[key] { child = existing }
        store(value, at: rest.dropFirst(), under: next, in: &child)
        object[key] = .object(child)
    }
}

extension LogEvent {
    /// A cheap estimate of the memory an event holds, for buffer limits: its text plus a fixed
    /// allowance for the rest.
    var approximateBytes: Int {
        message.utf8.count + raw.utf8.count + host.utf8.count + source.utf8.count + 64 * (fields.count + 1)
    }
}
