import KafkaProtocol
import NIOCore

/// A SyncGroup request: the leader sends every member's assignment, followers send none.
public struct SyncGroupInput: Sendable, Equatable {
    public var groupID: String
    public var generationID: Int32
    public var memberID: String
    public var groupInstanceID: String?
    /// v5+: checked against the group's when present.
    public var protocolType: String?
    public var protocolName: String?
    /// A member id listed twice keeps its last assignment, as in Kafka.
    public var assignments: [MemberAssignment]

    public init(
        groupID: String, generationID: Int32, memberID: String, groupInstanceID: String? = nil,
        protocolType: String? = nil, protocolName: String? = nil, assignments: [MemberAssignment] = []
    ) {
        self.groupID = groupID
        self.generationID = generationID
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.assignments = assignments
    }
}

/// What the leader assigned to one member (for consumers: a serialized ConsumerProtocolAssignment).
public struct MemberAssignment: Sendable, Equatable {
    public var memberID: String
    public var assignment: ByteBuffer

    public init(memberID: String, assignment: ByteBuffer) {
        self.memberID = memberID
        self.assignment = assignment
    }
}

/// The answer to a SyncGroup: the member's assignment, or an error.
public struct SyncGroupResult: Sendable, Equatable {
    public var errorCode: ErrorCode
    public var protocolType: String?
    public var protocolName: String?
    public var assignment: ByteBuffer

    public init(errorCode: ErrorCode, protocolType: String?, protocolName: String?, assignment: ByteBuffer) {
        self.errorCode = errorCode
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.assignment = assignment
    }

    public static func failure(_ errorCode: ErrorCode) -> SyncGroupResult {
        SyncGroupResult(errorCode: errorCode, protocolType: nil, protocolName: nil, assignment: ByteBuffer())
    }
}
