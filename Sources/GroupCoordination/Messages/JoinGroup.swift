import KafkaProtocol
import NIOCore

/// One protocol a member supports (for consumers: an assignor such as "range" or
/// "cooperative-sticky") with the member's metadata for it (its subscription).
public struct GroupProtocol: Sendable, Equatable {
    public var name: String
    public var metadata: ByteBuffer

    public init(name: String, metadata: ByteBuffer) {
        self.name = name
        self.metadata = metadata
    }
}

/// A JoinGroup request, with the version-dependent behaviour spelled out as flags.
public struct JoinGroupInput: Sendable, Equatable {
    public var groupID: String
    /// Empty for a member joining for the first time.
    public var memberID: String
    /// group.instance.id of a static member (KIP-345, JoinGroup v5+).
    public var groupInstanceID: String?
    public var clientID: String
    public var clientHost: String
    public var sessionTimeoutMs: Int32
    /// v0 has no rebalance timeout; Kafka uses the session timeout then.
    public var rebalanceTimeoutMs: Int32
    public var protocolType: String
    /// In the member's order of preference.
    public var protocols: [GroupProtocol]
    /// KIP-394 (v4+): a new dynamic member first gets MEMBER_ID_REQUIRED and an id to rejoin with.
    public var requireKnownMemberID: Bool
    /// KIP-814 (v9+): a static leader rejoining a stable group is told to skip the assignment.
    public var supportsSkippingAssignment: Bool

    public init(
        groupID: String, memberID: String = "", groupInstanceID: String? = nil, clientID: String, clientHost: String,
        sessionTimeoutMs: Int32, rebalanceTimeoutMs: Int32, protocolType: String, protocols: [GroupProtocol],
        requireKnownMemberID: Bool = true, supportsSkippingAssignment: Bool = false
    ) {
        self.groupID = groupID
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.clientID = clientID
        self.clientHost = clientHost
        self.sessionTimeoutMs = sessionTimeoutMs
        self.rebalanceTimeoutMs = rebalanceTimeoutMs
        self.protocolType = protocolType
        self.protocols = protocols
        self.requireKnownMemberID = requireKnownMemberID
        self.supportsSkippingAssignment = supportsSkippingAssignment
    }
}

/// The answer to a JoinGroup, field for field as JoinGroupResponse carries it.
public struct JoinGroupResult: Sendable, Equatable {
    public var errorCode: ErrorCode
    /// -1 with an error.
    public var generationID: Int32
    public var protocolType: String?
    public var protocolName: String?
    /// Empty with an error.
    public var leaderID: String
    public var skipAssignment: Bool
    /// The member's id: the new one with MEMBER_ID_REQUIRED or after a first join.
    public var memberID: String
    /// Every member with its metadata for the chosen protocol; only the leader gets them.
    public var members: [JoinedMember]

    public init(
        errorCode: ErrorCode, generationID: Int32, protocolType: String?, protocolName: String?, leaderID: String,
        skipAssignment: Bool, memberID: String, members: [JoinedMember]
    ) {
        self.errorCode = errorCode
        self.generationID = generationID
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.leaderID = leaderID
        self.skipAssignment = skipAssignment
        self.memberID = memberID
        self.members = members
    }

    /// A failed join, as Kafka answers one: no generation, protocol or leader.
    public static func failure(_ errorCode: ErrorCode, memberID: String) -> JoinGroupResult {
        JoinGroupResult(
            errorCode: errorCode, generationID: -1, protocolType: nil, protocolName: nil, leaderID: "",
            skipAssignment: false, memberID: memberID, members: [])
    }
}

/// A member as the leader sees it in its JoinGroup response.
public struct JoinedMember: Sendable, Equatable {
    public var memberID: String
    public var groupInstanceID: String?
    public var metadata: ByteBuffer

    public init(memberID: String, groupInstanceID: String?, metadata: ByteBuffer) {
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.metadata = metadata
    }
}
