import NIOConcurrencyHelpers

/// A role's lifecycle as `/health` reports it: starting until the role says it serves, stopping
/// once shutdown begins. Safe to share between the role and the HTTP server (a locked value).
public final class RoleState: Sendable {
    private let status = NIOLockedValueBox(RoleHealth.Status.starting)
    private let details: [String: String]

    public init(details: [String: String] = [:]) {
        self.details = details
    }

    public func set(_ newStatus: RoleHealth.Status) {
        status.withLockedValue { $0 = newStatus }
    }

    public var health: RoleHealth {
        RoleHealth(status: status.withLockedValue { $0 }, details: details)
    }
}
