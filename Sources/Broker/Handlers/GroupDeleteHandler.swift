import GroupCoordination
import KafkaProtocol

/// DeleteGroups: only empty groups are deleted, with their offsets.
struct DeleteGroupsHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...2

    func handle(_ request: DeleteGroupsRequest, context: RequestContext) async throws -> HandlerOutcome<DeleteGroupsResponse> {
        let results = await context.broker.groups.deleteGroups(request.groupsNames)
        return .now(DeleteGroupsResponse(results: results.map { .init(groupId: $0.groupID, errorCode: $0.errorCode) }))
    }
}
