import GroupCoordination
import KafkaProtocol

/// ListGroups, with the state filter (v4+) and type filter (v5+; every group here is "classic").
struct ListGroupsHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...5

    static let groupType = "classic"

    func handle(_ request: ListGroupsRequest, context: RequestContext) async throws -> HandlerOutcome<ListGroupsResponse> {
        let typesFilter = request.typesFilter.map { $0.lowercased() }
        guard typesFilter.isEmpty || typesFilter.contains(Self.groupType) else { return .now(ListGroupsResponse(errorCode: .none)) }
        let listed = await context.broker.groups.listGroups(statesFilter: request.statesFilter)
        return .now(ListGroupsResponse(errorCode: .none, groups: listed.map {
            .init(groupId: $0.groupID, protocolType: $0.protocolType, groupState: $0.state.rawValue, groupType: Self.groupType)
        }))
    }
}
