import KafkaProtocol
import NIOCore

/// The rebalance protocol's core moves: starting a rebalance, ending the join phase, handing out
/// the leader's assignment, and losing members. Kafka: prepareRebalance, onCompleteJoin,
/// propagateAssignment, removeMemberAndUpdateGroup.
extension GroupUpdate {
    /// Starts a rebalance unless one is already running.
    mutating func maybePrepareRebalance() {
        if group.canRebalance { prepareRebalance() }
    }

    /// Moves to PreparingRebalance: members waiting for their assignment are told to rejoin, and
    /// the join phase starts — with the initial delay for an empty group, else until every member
    /// rejoined or the longest rebalance timeout passed.
    mutating func prepareRebalance() {
        if group.state == .completingRebalance { resetAndPropagateAssignmentError(.rebalanceInProgress) }
        group.pendingSyncMembers = []
        group.syncDeadline = nil
        let rebalanceTimeout = group.rebalanceTimeoutMs
        if group.state == .empty {
            let delay = config.initialRebalanceDelayMs
            group.joinPhase = .initialDelay(deadline: now + delay, delayMs: delay, remainingMs: max(rebalanceTimeout - delay, 0))
        } else {
            group.joinPhase = .awaitingMembers(deadline: now + rebalanceTimeout)
        }
        group.transition(to: .preparingRebalance, now: now)
        tryCompleteJoin()
    }

    /// Ends the join phase early once every expected member is in (never during the initial delay).
    mutating func tryCompleteJoin() {
        guard group.state == .preparingRebalance, case .awaitingMembers = group.joinPhase, group.hasAllMembersJoined else { return }
        completeJoin()
    }

    /// Ends the join phase: dynamic members that did not rejoin are dropped (static ones stay until
    /// their session expires), the next generation starts, and every waiting member gets its
    /// JoinGroup response — the leader with the member list. Without any rejoined member the
    /// phase starts over, so sessions can expire the silent ones.
    mutating func completeJoin() {
        group.joinPhase = nil
        for member in group.allMembers where !member.isAwaitingJoin && !member.isStatic {
            drop(member.memberID, error: .unknownMemberID)
        }
        if !group.electJoinedLeader() && group.size > 0 {
            // At least 1 ms, so a member-less wait with a zero timeout cannot fire again within the same instant.
            group.joinPhase = .awaitingMembers(deadline: now + max(group.rebalanceTimeoutMs, 1))
            return
        }
        group.initNextGeneration(now: now)
        guard group.state != .empty else {
            persistGroup(assignments: [:])
            return
        }
        let leaderMembers = group.currentMemberMetadata()
        for member in group.allMembers {
            let isLeader = group.isLeader(member.memberID)
            answerJoin(of: member.memberID, currentGeneration(for: member.memberID, members: isLeader ? leaderMembers : [], leaderID: group.leaderID))
            renewSession(of: member.memberID)
            group.update(member.memberID) { $0.isNew = false }
            group.pendingSyncMembers.insert(member.memberID)
        }
        group.syncDeadline = now + group.rebalanceTimeoutMs
    }

    /// Stores the leader's assignment on every member and answers the waiting SyncGroups with it.
    mutating func setAndPropagateAssignment(_ assignments: [String: ByteBuffer]) {
        for member in group.allMembers {
            let assignment = assignments[member.memberID] ?? ByteBuffer()
            group.update(member.memberID) { $0.assignment = assignment }
            let result = SyncGroupResult(errorCode: .none, protocolType: group.protocolType, protocolName: group.protocolName, assignment: assignment)
            if answerSync(of: member.memberID, result) { renewSession(of: member.memberID) }
        }
    }

    /// Clears every assignment and fails the waiting SyncGroups with `error`.
    mutating func resetAndPropagateAssignmentError(_ error: ErrorCode) {
        for member in group.allMembers {
            group.update(member.memberID) { $0.assignment = ByteBuffer() }
            if answerSync(of: member.memberID, .failure(error)) { renewSession(of: member.memberID) }
        }
    }

    /// Removes a member that failed or left, and rebalances the rest.
    mutating func removeMemberAndUpdateGroup(_ memberID: String) {
        drop(memberID, error: .unknownMemberID)
        switch group.state {
        case .stable, .completingRebalance: maybePrepareRebalance()
        case .preparingRebalance: tryCompleteJoin()
        case .empty, .dead: break
        }
    }

    /// Removes a member or pending member without rebalancing, answering whatever it had waiting
    /// with `error` so no request is left hanging.
    mutating func drop(_ memberID: String, error: ErrorCode) {
        guard let member = group.remove(memberID) else { return }
        if let token = member.pendingJoin { respond(token, .failure(error, memberID: "")) }
        if let token = member.pendingSync { respond(token, .failure(error)) }
    }

    /// A pending member left or timed out: the join phase may now be complete.
    mutating func removePendingMember(_ memberID: String) {
        group.remove(memberID)
        if group.state == .preparingRebalance { tryCompleteJoin() }
    }

    /// The member sent its SyncGroup; once everyone has, nobody is dropped at the sync deadline.
    mutating func removePendingSync(_ memberID: String) {
        group.pendingSyncMembers.remove(memberID)
        if group.pendingSyncMembers.isEmpty { group.syncDeadline = nil }
    }
}
