/// A syslog message split into its RFC 5424 / RFC 3164 parts. Absent parts (the `-` NILVALUE, or
/// parts BSD syslog does not have) are nil.
public struct SyslogMessage: Sendable, Equatable {
    /// One SD-ELEMENT: `[exampleSDID@32473 iut="3" eventSource="Application"]`, parameters in order.
    public struct StructuredElement: Sendable, Equatable {
        public var id: String
        public var parameters: [Parameter]

        public struct Parameter: Sendable, Equatable {
            public var name: String
            public var value: String
        }
    }

    public var facility: Int
    public var severity: Severity
    /// 1 for RFC 5424, nil for RFC 3164.
    public var version: Int?
    public var timestamp: Int64?
    public var hostname: String?
    public var appName: String?
    public var procID: String?
    public var msgID: String?
    public var structuredData: [StructuredElement] = []
    public var message: String

    /// The facility's keyword (`kern`, `user`, `auth`, … `local7`).
    public var facilityName: String {
        let names = ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
                     "ftp", "ntp", "security", "console", "solaris-cron"]
        if facility < names.count { return names[facility] }
        return "local\(facility - 16)"
    }

    /// The normalized event: host from the message (else the peer), `service` from APP-NAME,
    /// time from the message (else `receivedAt`); facility, procid, msgid and structured data
    /// (`{id: {name: value}}`, a repeated name becoming an array) go to `fields`.
    public func event(raw: String, peer: String, receivedAt: Int64) -> LogEvent {
        var fields: [String: FieldValue] = ["facility": .string(facilityName)]
        if let procID { fields["procid"] = .string(procID) }
        if let msgID { fields["msgid"] = .string(msgID) }
        if !structuredData.isEmpty {
            var elements: [String: FieldValue] = [:]
            for element in structuredData {
                var parameters: [String: FieldValue] = [:]
                for parameter in element.parameters {
                    switch parameters[parameter.name] {
                    case nil: parameters[parameter.name] = .string(parameter.value)
                    case .array(let values)?: parameters[parameter.name] = .array(values + [.string(parameter.value)])
                    case let single?: parameters[parameter.name] = .array([single, .string(parameter.value)])
                    }
                }
                elements[element.id] = .object(parameters)
            }
            fields["structured_data"] = .object(elements)
        }
        return LogEvent(
            timestamp: timestamp ?? receivedAt, host: hostname ?? peer, source: "syslog://" + peer,
            service: appName, severity: severity, message: message, fields: fields, raw: raw)
    }
}

/// Why a line is not syslog; the source keeps the line as an event carrying this text.
public struct SyslogParseError: Error, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { "not a syslog message: \(reason)" }
}
