import GroupCoordination
import KafkaProtocol

/// LeaveGroup: one member (v0-2) or a batch, static members by instance id (v3+).
struct LeaveGroupHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...5

    func handle(_ request: LeaveGroupRequest, context: RequestContext) async throws -> HandlerOutcome<LeaveGroupResponse> {
        let batched = context.apiVersion >= 3
        let leaving = batched
            ? request.members.map { LeavingMember(memberID: $0.memberId, groupInstanceID: $0.groupInstanceId) }
            : [LeavingMember(memberID: request.memberId)]
        let result = await context.broker.groups.leave(groupID: request.groupId, members: leaving)
        guard batched else {
            // v0-2 have one error: the group's, or else the single member's.
            let error = result.errorCode != .none ? result.errorCode : result.members.first?.errorCode ?? .none
            return .now(LeaveGroupResponse(errorCode: error))
        }
        return .now(LeaveGroupResponse(
            errorCode: result.errorCode,
            members: result.members.map {
                .init(memberId: $0.member.memberID, groupInstanceId: $0.member.groupInstanceID, errorCode: $0.errorCode)
            }))
    }
}
