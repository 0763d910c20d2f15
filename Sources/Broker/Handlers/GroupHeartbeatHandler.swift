import GroupCoordination
import KafkaProtocol

/// Heartbeat: keeps a member's session alive and tells it when to rejoin.
struct HeartbeatHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...4

    func handle(_ request: HeartbeatRequest, context: RequestContext) async throws -> HandlerOutcome<HeartbeatResponse> {
        let error = await context.broker.groups.heartbeat(HeartbeatInput(
            groupID: request.groupId, generationID: request.generationId, memberID: request.memberId,
            groupInstanceID: request.groupInstanceId))
        return .now(HeartbeatResponse(errorCode: error))
    }
}
