/// What happens when the clock passes one of the group's deadlines.
extension GroupUpdate {
    private enum Timer {
        case joinPhase(JoinPhase)
        case pendingSync
        case pendingMember(String)
        case session(String)
    }

    /// Fires every deadline that has passed, earliest first, until none is left due. Each firing
    /// clears or moves its deadline past `now`, so this ends.
    mutating func fireDueTimers() {
        while let timer = earliestDueTimer() {
            switch timer {
            case .joinPhase(let phase): expireJoinPhase(phase)
            case .pendingSync: expirePendingSync()
            case .pendingMember(let memberID): removePendingMember(memberID)
            case .session(let memberID): expireSession(of: memberID)
            }
        }
    }

    private func earliestDueTimer() -> Timer? {
        var due: [(deadline: Int64, timer: Timer)] = []
        if let phase = group.joinPhase { due.append((phase.deadline, .joinPhase(phase))) }
        if let deadline = group.syncDeadline { due.append((deadline, .pendingSync)) }
        for (memberID, deadline) in group.pendingMembers { due.append((deadline, .pendingMember(memberID))) }
        for member in group.allMembers {
            if let deadline = member.sessionDeadline { due.append((deadline, .session(member.memberID))) }
        }
        return due.filter { $0.deadline <= now }.min { $0.deadline < $1.deadline }?.timer
    }

    /// The initial delay is extended while new members keep arriving (within the rebalance
    /// timeout); otherwise the join phase ends with whoever joined.
    private mutating func expireJoinPhase(_ phase: JoinPhase) {
        if case .initialDelay(_, let delay, let remaining) = phase, group.newMemberAdded, remaining != 0 {
            group.newMemberAdded = false
            let nextDelay = min(config.initialRebalanceDelayMs, remaining)
            group.joinPhase = .initialDelay(deadline: now + nextDelay, delayMs: nextDelay, remainingMs: max(remaining - delay, 0))
        } else {
            completeJoin()
        }
    }

    /// Members of the new generation that never sent SyncGroup (the leader included) are dropped
    /// and the group rebalances without them.
    private mutating func expirePendingSync() {
        group.syncDeadline = nil
        guard group.state == .completingRebalance || group.state == .stable, !group.pendingSyncMembers.isEmpty else { return }
        for memberID in group.memberIDs where group.pendingSyncMembers.contains(memberID) {
            drop(memberID, error: .unknownMemberID)
        }
        prepareRebalance()
    }

    /// A member that stopped heartbeating is removed — unless it is waiting in a rebalance, which
    /// keeps it alive until the wait ends and its session starts over.
    private mutating func expireSession(of memberID: String) {
        guard let member = group.member(memberID) else { return }
        if member.expiresAtDeadline {
            removeMemberAndUpdateGroup(memberID)
        } else {
            group.update(memberID) { $0.sessionDeadline = nil }
        }
    }
}
