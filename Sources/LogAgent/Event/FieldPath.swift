/// Names a value of a `LogEvent` in configuration: `host`, `message`, `severity`… name the schema's
/// own members; any other name, or a name prefixed with `fields.`, names a (dotted, nested) entry
/// of `fields`, so `client` and `fields.client` are the same and `fields.host` reaches a parsed
/// `host` field rather than the event's host.
public enum FieldPath: Sendable, Hashable, CustomStringConvertible {
    case timestamp, host, source, service, severity, message, raw
    case field([String])

    /// Nil for an empty path or one with an empty component (`a..b`).
    public init?(_ text: String) {
        let components = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !text.isEmpty, !components.contains(where: \.isEmpty) else { return nil }
        if components.count > 1, components[0] == "fields" {
            self = .field(Array(components.dropFirst()))
            return
        }
        switch text {
        case "timestamp": self = .timestamp
        case "host": self = .host
        case "source": self = .source
        case "service": self = .service
        case "severity": self = .severity
        case "message": self = .message
        case "raw": self = .raw
        default: self = .field(components)
        }
    }

    public var description: String {
        switch self {
        case .timestamp: return "timestamp"
        case .host: return "host"
        case .source: return "source"
        case .service: return "service"
        case .severity: return "severity"
        case .message: return "message"
        case .raw: return "raw"
        case .field(let components): return "fields." + components.joined(separator: ".")
        }
    }
}
