import KafkaProtocol
import NIOCore

/// A group as DescribeGroups shows it. Metadata and assignments are filled in only for a
/// Stable group, and `protocolData` (the protocol name) is empty otherwise, as in Kafka.
public struct GroupDescription: Sendable, Equatable {
    public var groupID: String
    public var state: GroupState
    public var protocolType: String
    public var protocolData: String
    public var members: [DescribedMember]

    public init(groupID: String, state: GroupState, protocolType: String, protocolData: String, members: [DescribedMember]) {
        self.groupID = groupID
        self.state = state
        self.protocolType = protocolType
        self.protocolData = protocolData
        self.members = members
    }
}

public struct DescribedMember: Sendable, Equatable {
    public var memberID: String
    public var groupInstanceID: String?
    public var clientID: String
    public var clientHost: String
    public var metadata: ByteBuffer
    public var assignment: ByteBuffer

    public init(
        memberID: String, groupInstanceID: String?, clientID: String, clientHost: String, metadata: ByteBuffer, assignment: ByteBuffer
    ) {
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.clientID = clientID
        self.clientHost = clientHost
        self.metadata = metadata
        self.assignment = assignment
    }
}

/// A group as ListGroups shows it.
public struct GroupListing: Sendable, Equatable {
    public var groupID: String
    /// Empty for a group that only stores offsets.
    public var protocolType: String
    public var state: GroupState

    public init(groupID: String, protocolType: String, state: GroupState) {
        self.groupID = groupID
        self.protocolType = protocolType
        self.state = state
    }
}

/// The outcome for one group named in DeleteGroups.
public struct GroupDeletion: Sendable, Equatable {
    public var groupID: String
    public var errorCode: ErrorCode

    public init(groupID: String, errorCode: ErrorCode) {
        self.groupID = groupID
        self.errorCode = errorCode
    }
}
