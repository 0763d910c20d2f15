import GroupCoordination
import KafkaProtocol

/// JoinGroup: parked until the group's join phase ends, so the answer comes `later`.
struct JoinGroupHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...9

    func handle(_ request: JoinGroupRequest, context: RequestContext) async throws -> HandlerOutcome<JoinGroupResponse> {
        let version = context.apiVersion
        let input = JoinGroupInput(
            groupID: request.groupId, memberID: request.memberId, groupInstanceID: request.groupInstanceId,
            clientID: context.clientID ?? "", clientHost: context.client.kafkaClientHost,
            sessionTimeoutMs: request.sessionTimeoutMs,
            // v0 has no rebalance timeout; Kafka waits the session timeout then.
            rebalanceTimeoutMs: version == 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
            protocolType: request.protocolType,
            protocols: request.protocols.map { GroupProtocol(name: $0.name, metadata: $0.metadata) },
            requireKnownMemberID: version >= 4, supportsSkippingAssignment: version >= 9)
        let groups = context.broker.groups
        let token = await groups.submitJoin(input)
        return .later {
            let result = await groups.joinResult(for: token)
            return JoinGroupResponse(
                errorCode: result.errorCode, generationId: result.generationID, protocolType: result.protocolType,
                protocolName: result.protocolName, leader: result.leaderID, skipAssignment: result.skipAssignment,
                memberId: result.memberID,
                members: result.members.map { .init(memberId: $0.memberID, groupInstanceId: $0.groupInstanceID, metadata: $0.metadata) })
        }
    }
}

extension ClientConnection {
    /// The client's address as Kafka reports it in DescribeGroups: "/" and the IP, without the port.
    var kafkaClientHost: String {
        var host = Substring(address)
        if let slash = host.lastIndex(of: "/") { host = host[host.index(after: slash)...] }
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        return "/" + host
    }
}
