import KafkaProtocol
import NIOCore

/// SyncGroup: the leader's assignment ends the rebalance; followers wait for it.
extension GroupUpdate {
    mutating func sync(_ input: SyncGroupInput, token: RequestToken) {
        if let error = syncError(input) {
            respond(token, .failure(error))
            return
        }
        let memberID = input.memberID
        switch group.state {
        case .empty, .dead:
            respond(token, .failure(.unknownMemberID))
        case .preparingRebalance:
            respond(token, .failure(.rebalanceInProgress))
        case .completingRebalance:
            if let superseded = group.member(memberID)?.pendingSync, superseded != token {
                respond(superseded, .failure(.rebalanceInProgress))
            }
            group.update(memberID) { $0.pendingSync = token }
            removePendingSync(memberID)
            if group.isLeader(memberID) {
                var assignments: [String: ByteBuffer] = [:]
                for entry in input.assignments { assignments[entry.memberID] = entry.assignment }
                // Stored while the group is still CompletingRebalance, as Kafka stores it; members
                // the leader left out get an empty assignment.
                persistGroup(assignments: assignments)
                setAndPropagateAssignment(assignments)
                group.transition(to: .stable, now: now)
            }
        case .stable:
            removePendingSync(memberID)
            let assignment = group.member(memberID)?.assignment ?? ByteBuffer()
            respond(token, SyncGroupResult(errorCode: .none, protocolType: group.protocolType, protocolName: group.protocolName, assignment: assignment))
            renewSession(of: memberID)
        }
    }

    /// Kafka's validateSyncGroup, in its order: membership, generation, then protocol type and name.
    private func syncError(_ input: SyncGroupInput) -> ErrorCode? {
        if let error = group.memberError(memberID: input.memberID, groupInstanceID: input.groupInstanceID) { return error }
        if input.generationID != group.generationID { return .illegalGeneration }
        if let type = input.protocolType, type != group.protocolType { return .inconsistentGroupProtocol }
        if let name = input.protocolName, name != group.protocolName { return .inconsistentGroupProtocol }
        return nil
    }
}
