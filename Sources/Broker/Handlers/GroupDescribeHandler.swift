import GroupCoordination
import KafkaProtocol

/// DescribeGroups: a group the coordinator does not know is reported Dead, as Kafka does up to v5.
struct DescribeGroupsHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...5

    func handle(_ request: DescribeGroupsRequest, context: RequestContext) async throws -> HandlerOutcome<DescribeGroupsResponse> {
        var described: [DescribeGroupsResponse.DescribedGroup] = []
        for groupID in request.groups {
            guard let group = await context.broker.groups.describeGroup(groupID) else {
                described.append(.init(errorCode: .none, groupId: groupID, groupState: GroupState.dead.rawValue, protocolType: "", protocolData: "", members: []))
                continue
            }
            described.append(.init(
                errorCode: .none, groupId: groupID, groupState: group.state.rawValue, protocolType: group.protocolType,
                protocolData: group.protocolData,
                members: group.members.map {
                    .init(memberId: $0.memberID, groupInstanceId: $0.groupInstanceID, clientId: $0.clientID, clientHost: $0.clientHost,
                          memberMetadata: $0.metadata, memberAssignment: $0.assignment)
                }))
        }
        return .now(DescribeGroupsResponse(groups: described))
    }
}
