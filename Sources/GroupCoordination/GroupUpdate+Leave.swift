import KafkaProtocol

/// LeaveGroup: members leave by member id, or are removed by group.instance.id (KIP-345).
extension GroupUpdate {
    mutating func leave(_ leaving: [LeavingMember]) -> [LeftMember] {
        leaving.map { LeftMember(member: $0, errorCode: leave($0)) }
    }

    private mutating func leave(_ leaving: LeavingMember) -> ErrorCode {
        if leaving.memberID.isEmpty {
            guard let memberID = leaving.groupInstanceID.flatMap({ group.staticMemberID(for: $0) }) else { return .unknownMemberID }
            removeMemberAndUpdateGroup(memberID)
            return .none
        }
        if group.isPending(leaving.memberID) {
            removePendingMember(leaving.memberID)
            return .none
        }
        if let error = group.memberError(memberID: leaving.memberID, groupInstanceID: leaving.groupInstanceID) { return error }
        removeMemberAndUpdateGroup(leaving.memberID)
        return .none
    }
}
