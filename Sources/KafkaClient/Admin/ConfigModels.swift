/// Something with configuration: a topic or a broker.
public enum ConfigResource: Sendable, Hashable, CustomStringConvertible {
    case topic(String)
    case broker(Int32)

    public var description: String {
        switch self {
        case .topic(let name): "topic \(name)"
        case .broker(let id): "broker \(id)"
        }
    }
}

/// One configuration entry as DescribeConfigs reports it.
public struct ConfigEntry: Sendable, Hashable {
    public var name: String
    /// nil for sensitive values and unset entries.
    public var value: String?
    /// Where the value comes from, in librdkafka's names: DYNAMIC_TOPIC_CONFIG (a topic override),
    /// STATIC_BROKER_CONFIG, DEFAULT_CONFIG, …
    public var source: String
    public var isDefault: Bool
    public var isReadOnly: Bool
    public var isSensitive: Bool

    /// Set on the topic itself rather than inherited.
    public var isTopicOverride: Bool { source == "DYNAMIC_TOPIC_CONFIG" }
}
