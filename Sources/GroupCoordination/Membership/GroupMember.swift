import NIOCore

/// A member of a classic group, with the requests it has waiting and its liveness deadline.
struct GroupMember: Sendable {
    var memberID: String
    let groupInstanceID: String?
    let clientID: String
    let clientHost: String
    var rebalanceTimeoutMs: Int32
    var sessionTimeoutMs: Int32
    let protocolType: String
    /// In the member's order of preference.
    var protocols: [GroupProtocol]
    var assignment = ByteBuffer()
    /// A JoinGroup waiting for the join phase to end.
    var pendingJoin: RequestToken?
    /// A SyncGroup waiting for the leader's assignment.
    var pendingSync: RequestToken?
    /// Joined during the current rebalance and not yet answered. A new member's session does
    /// not run (it has no id to heartbeat with); its join waits at most the new-member timeout.
    var isNew = false
    /// When the member is dropped unless it heartbeats. Nil while the member waits in a rebalance,
    /// which keeps it alive; re-armed when the wait ends.
    var sessionDeadline: Int64?

    var isStatic: Bool { groupInstanceID != nil }
    var isAwaitingJoin: Bool { pendingJoin != nil }
    var isAwaitingSync: Bool { pendingSync != nil }

    /// The member's metadata for `protocolName`, empty if it does not support it.
    func metadata(for protocolName: String) -> ByteBuffer {
        protocols.first { $0.name == protocolName }?.metadata ?? ByteBuffer()
    }

    /// True when `protocols` is exactly what the member sent last time (names, order and metadata).
    func matches(_ protocols: [GroupProtocol]) -> Bool {
        self.protocols == protocols
    }

    /// The member's most preferred protocol among `candidates`.
    func vote(among candidates: Set<String>) -> String? {
        protocols.first { candidates.contains($0.name) }?.name
    }

    /// Whether the member may be dropped when its session deadline passes: a member waiting in
    /// a rebalance is kept (the wait itself proves nothing), unless it is new.
    var expiresAtDeadline: Bool {
        isNew || !(isAwaitingJoin || isAwaitingSync)
    }
}
