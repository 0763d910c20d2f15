import Foundation
import KafkaProtocol

/// JoinGroup for an existing (or just created) group: Kafka's doNewMemberJoinGroup and
/// doCurrentMemberJoinGroup with the static-membership paths of KIP-345.
extension GroupUpdate {
    mutating func join(_ input: JoinGroupInput, token: RequestToken) {
        if !acceptsJoiningMember(input.memberID) {
            drop(input.memberID, error: .groupMaxSizeReached)
            respond(token, .failure(.groupMaxSizeReached, memberID: ""))
        } else if input.memberID.isEmpty {
            joinAsNewMember(input, token: token)
        } else {
            joinAsCurrentMember(input, token: token)
        }
        if group.state == .preparingRebalance { tryCompleteJoin() }
    }

    /// group.max.size: during a rebalance it counts members that rejoined, so the last to rejoin
    /// of an oversized group are the ones refused.
    private func acceptsJoiningMember(_ memberID: String) -> Bool {
        switch group.state {
        case .empty, .dead:
            true
        case .preparingRebalance:
            group.member(memberID)?.isAwaitingJoin == true || group.numAwaitingJoin < config.maxGroupSize
        case .completingRebalance, .stable:
            group.has(memberID) || group.size < config.maxGroupSize
        }
    }

    private mutating func joinAsNewMember(_ input: JoinGroupInput, token: RequestToken) {
        guard group.supportsProtocols(type: input.protocolType, names: input.protocols.map(\.name)) else {
            respond(token, .failure(.inconsistentGroupProtocol, memberID: ""))
            return
        }
        // Kafka's member ids: the instance id (static members) or client id, a dash, a random UUID.
        let newMemberID = "\(input.groupInstanceID ?? input.clientID)-\(UUID().uuidString.lowercased())"
        if let instanceID = input.groupInstanceID {
            if let oldMemberID = group.staticMemberID(for: instanceID) {
                replaceStaticMember(instanceID: instanceID, oldMemberID: oldMemberID, newMemberID: newMemberID, input, token: token)
            } else {
                addMemberAndRebalance(newMemberID, input, token: token)
            }
        } else if input.requireKnownMemberID {
            group.addPending(newMemberID, deadline: now + Int64(input.sessionTimeoutMs))
            respond(token, .failure(.memberIDRequired, memberID: newMemberID))
        } else {
            addMemberAndRebalance(newMemberID, input, token: token)
        }
    }

    private mutating func joinAsCurrentMember(_ input: JoinGroupInput, token: RequestToken) {
        let memberID = input.memberID
        guard group.supportsProtocols(type: input.protocolType, names: input.protocols.map(\.name)) else {
            respond(token, .failure(.inconsistentGroupProtocol, memberID: memberID))
            return
        }
        if group.isPending(memberID) {
            // Pending ids are handed to dynamic members only; a static member with one is confused
            // and starts over with an empty member id after UNKNOWN_MEMBER_ID.
            guard input.groupInstanceID == nil else {
                respond(token, .failure(.unknownMemberID, memberID: memberID))
                return
            }
            addMemberAndRebalance(memberID, input, token: token)
            return
        }
        if let error = group.memberError(memberID: memberID, groupInstanceID: input.groupInstanceID) {
            respond(token, .failure(error, memberID: memberID))
            return
        }
        guard let member = group.member(memberID) else { return }
        switch group.state {
        case .preparingRebalance:
            updateMemberAndRebalance(memberID, input, token: token)
        case .completingRebalance:
            if member.matches(input.protocols) {
                // The member missed its JoinGroup response: send the current generation again.
                let members = group.isLeader(memberID) ? group.currentMemberMetadata() : []
                respond(token, currentGeneration(for: memberID, members: members, leaderID: group.leaderID))
            } else {
                updateMemberAndRebalance(memberID, input, token: token)
            }
        case .stable:
            // A rejoining leader always rebalances: it may have seen a change (new partitions) that
            // the member metadata does not show.
            if group.isLeader(memberID) || !member.matches(input.protocols) {
                updateMemberAndRebalance(memberID, input, token: token)
            } else {
                respond(token, currentGeneration(for: memberID, members: [], leaderID: group.leaderID))
            }
        case .empty, .dead:
            respond(token, .failure(.unknownMemberID, memberID: memberID))
        }
    }

    private mutating func addMemberAndRebalance(_ memberID: String, _ input: JoinGroupInput, token: RequestToken) {
        var member = GroupMember(
            memberID: memberID, groupInstanceID: input.groupInstanceID, clientID: input.clientID, clientHost: input.clientHost,
            rebalanceTimeoutMs: input.rebalanceTimeoutMs, sessionTimeoutMs: input.sessionTimeoutMs,
            protocolType: input.protocolType, protocols: input.protocols)
        member.isNew = true
        member.pendingJoin = token
        member.sessionDeadline = now + config.newMemberJoinTimeoutMs
        if group.state == .preparingRebalance && group.generationID == 0 { group.newMemberAdded = true }
        group.add(member)
        maybePrepareRebalance()
    }

    private mutating func updateMemberAndRebalance(_ memberID: String, _ input: JoinGroupInput, token: RequestToken) {
        updateMember(memberID, input, token: token)
        maybePrepareRebalance()
    }

    /// Takes the member's new protocols and timeouts, and parks its JoinGroup. A JoinGroup it had
    /// waiting already is answered REBALANCE_IN_PROGRESS (clients retry that), so it does not hang.
    private mutating func updateMember(_ memberID: String, _ input: JoinGroupInput, token: RequestToken) {
        if let superseded = group.member(memberID)?.pendingJoin, superseded != token {
            respond(superseded, .failure(.rebalanceInProgress, memberID: memberID))
        }
        group.update(memberID) { member in
            member.protocols = input.protocols
            member.rebalanceTimeoutMs = input.rebalanceTimeoutMs
            member.sessionTimeoutMs = input.sessionTimeoutMs
            member.pendingJoin = token
        }
    }

    /// A static member came back with a new member id (KIP-345). The old id is fenced. In a stable
    /// group whose protocol choice does not change there is no rebalance: the member gets the
    /// current generation and its old assignment.
    private mutating func replaceStaticMember(
        instanceID: String, oldMemberID: String, newMemberID: String, _ input: JoinGroupInput, token: RequestToken
    ) {
        let previousLeader = group.leaderID
        guard let old = group.replaceStaticMember(instanceID: instanceID, oldMemberID: oldMemberID, newMemberID: newMemberID) else { return }
        if let fenced = old.pendingJoin { respond(fenced, .failure(.fencedInstanceID, memberID: oldMemberID)) }
        if let fenced = old.pendingSync { respond(fenced, .failure(.fencedInstanceID)) }
        renewSession(of: newMemberID)
        updateMember(newMemberID, input, token: token)

        switch group.state {
        case .stable:
            guard group.selectProtocol() == group.protocolName else {
                maybePrepareRebalance()
                return
            }
            persistGroup(assignments: Dictionary(uniqueKeysWithValues: group.allMembers.map { ($0.memberID, $0.assignment) }))
            if input.supportsSkippingAssignment {
                // KIP-814: a returning static leader learns it leads but must not reassign a stable group.
                let isLeader = group.isLeader(newMemberID)
                answerJoin(of: newMemberID, currentGeneration(
                    for: newMemberID, members: isLeader ? group.currentMemberMetadata() : [], leaderID: group.leaderID,
                    skipAssignment: isLeader))
            } else {
                // Older clients are given the previous leader id, so a returning leader does not
                // think it leads and run an assignment the stable group would ignore.
                answerJoin(of: newMemberID, currentGeneration(for: newMemberID, members: [], leaderID: previousLeader))
            }
        case .completingRebalance:
            // The leader may be assigning to the old member id; only a new rebalance fixes that.
            prepareRebalance()
        case .preparingRebalance, .empty, .dead:
            break
        }
    }
}
