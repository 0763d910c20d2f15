/// Adds what the agent knows about where an event came from: static fields (tags such as
/// `env: prod`), the agent's host name under a field of choice (useful for syslog, whose `host`
/// is the sender), and a service name for events that have none.
public struct EnrichTransform: EventTransform {
    public let addFields: [String: FieldValue]
    public let hostField: [String]?
    public let agentHost: String
    public let service: String?

    public init(addFields: [String: FieldValue] = [:], hostField: [String]? = nil, agentHost: String, service: String? = nil) {
        self.addFields = addFields
        self.hostField = hostField
        self.agentHost = agentHost
        self.service = service
    }

    public func apply(_ event: consuming LogEvent) -> LogEvent? {
        event.fields.merge(addFields) { _, added in added }
        if let hostField { event.setField(hostField, to: .string(agentHost)) }
        if event.service == nil, let service { event.service = service }
        return event
    }
}
