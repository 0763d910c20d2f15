import KafkaProtocol

/// A member leaving: by member id, or (administrative removal, KIP-345) by group.instance.id with
/// an empty member id. LeaveGroup v0-2 carry one member id; v3+ a batch.
public struct LeavingMember: Sendable, Equatable {
    public var memberID: String
    public var groupInstanceID: String?

    public init(memberID: String, groupInstanceID: String? = nil) {
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
    }
}

/// The answer to a LeaveGroup: a group-level error, or one error per leaving member.
/// For v0-2 the response's only error is `errorCode`, or else the single member's.
public struct LeaveGroupResult: Sendable, Equatable {
    public var errorCode: ErrorCode
    public var members: [LeftMember]

    public init(errorCode: ErrorCode, members: [LeftMember]) {
        self.errorCode = errorCode
        self.members = members
    }
}

/// One leaving member and what became of it.
public struct LeftMember: Sendable, Equatable {
    public var member: LeavingMember
    public var errorCode: ErrorCode

    public init(member: LeavingMember, errorCode: ErrorCode) {
        self.member = member
        self.errorCode = errorCode
    }
}
