/// A change of an alert's state, for notifiers and the alert table.
///
/// `id` names the alert for its whole life (rule, key, and the event time it opened), so the firing and
/// the resolved event of one alert share it.
public struct AlertEvent: Hashable, Codable, Sendable {
    public enum State: String, Hashable, Codable, Sendable {
        case firing
        case resolved
    }

    public var id: String
    public var rule: String
    public var severity: String
    public var groupKey: GroupKey
    public var state: State
    /// Event time of the window (end) that changed the state.
    public var atMillis: Int64
    /// Event time the alert opened.
    public var openedAtMillis: Int64
    public var value: Double?
    public var message: String
}
