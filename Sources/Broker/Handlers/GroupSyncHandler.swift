import GroupCoordination
import KafkaProtocol

/// SyncGroup: a follower waits for the leader's assignment, so the answer comes `later`.
struct SyncGroupHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...5

    func handle(_ request: SyncGroupRequest, context: RequestContext) async throws -> HandlerOutcome<SyncGroupResponse> {
        let input = SyncGroupInput(
            groupID: request.groupId, generationID: request.generationId, memberID: request.memberId,
            groupInstanceID: request.groupInstanceId, protocolType: request.protocolType, protocolName: request.protocolName,
            assignments: request.assignments.map { MemberAssignment(memberID: $0.memberId, assignment: $0.assignment) })
        let groups = context.broker.groups
        let token = await groups.submitSync(input)
        return .later {
            let result = await groups.syncResult(for: token)
            return SyncGroupResponse(
                errorCode: result.errorCode, protocolType: result.protocolType, protocolName: result.protocolName,
                assignment: result.assignment)
        }
    }
}
