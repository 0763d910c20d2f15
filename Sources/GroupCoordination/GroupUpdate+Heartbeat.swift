import KafkaProtocol

/// Heartbeat: renews the member's session and tells it whether to rejoin.
extension GroupUpdate {
    mutating func heartbeat(_ input: HeartbeatInput) -> ErrorCode {
        if let error = group.memberError(memberID: input.memberID, groupInstanceID: input.groupInstanceID) { return error }
        if input.generationID != group.generationID { return .illegalGeneration }
        switch group.state {
        case .empty, .dead:
            return .unknownMemberID
        case .completingRebalance, .stable:
            renewSession(of: input.memberID)
            return .none
        case .preparingRebalance:
            // Alive, but must rejoin: this is how members learn of a rebalance.
            renewSession(of: input.memberID)
            return .rebalanceInProgress
        }
    }
}
