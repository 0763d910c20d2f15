/// How a sink turns an event into a record value.
public enum EventEncoding: String, Sendable, CaseIterable {
    /// One JSON object with a fixed member order: `timestamp` (RFC 3339, UTC, milliseconds), `host`,
    /// `source`, `service`, `severity`, `message`, `fields` (keys sorted), then `raw` and
    /// `parse_error` only for an event whose parsing failed. Absent optional members are omitted.
    /// Equal events always encode to equal bytes.
    case json
    /// The line exactly as read, UTF-8, without a terminator.
    case raw

    public func encode(_ event: LogEvent) -> [UInt8] {
        switch self {
        case .raw: return Array(event.raw.utf8)
        case .json:
            var members: [(key: String, value: FieldValue)] = [
                ("timestamp", .string(CivilTime.rfc3339(milliseconds: event.timestamp))),
                ("host", .string(event.host)),
                ("source", .string(event.source)),
            ]
            if let service = event.service { members.append(("service", .string(service))) }
            if let severity = event.severity { members.append(("severity", .string(severity.name))) }
            members.append(("message", .string(event.message)))
            members.append(("fields", .object(event.fields)))
            if let parseError = event.parseError {
                members.append(("raw", .string(event.raw)))
                members.append(("parse_error", .string(parseError)))
            }
            var output: [UInt8] = []
            JSONWriter.writeObject(members, to: &output)
            return output
        }
    }
}
