/// What `GET /health` answers for one role: whether it is serving (HTTP 200) or not yet or no
/// longer (HTTP 503, while starting up or shutting down), with a few facts for an operator.
public struct RoleHealth: Sendable, Equatable {
    public enum Status: String, Sendable {
        case starting, serving, stopping
    }

    public var status: Status
    /// Extra JSON string fields beside `status` (`role`, `pipeline`, …).
    public var details: [String: String]

    public init(status: Status, details: [String: String] = [:]) {
        self.status = status
        self.details = details
    }

    public var isServing: Bool { status == .serving }
}
