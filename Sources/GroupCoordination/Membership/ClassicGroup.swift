import KafkaProtocol
import NIOCore

/// One group's membership, generation and committed offsets: Kafka's GroupMetadata.
///
/// Guarantees kept by its mutating methods: `memberIDs` lists exactly the keys of `members`, in
/// join order; `staticMembers` maps each static member's instance id to its current member id;
/// the leader, when set, is a member; a member id is never both a member and a pending member.
struct ClassicGroup: Sendable {
    let groupID: String
    private(set) var state: GroupState
    /// When the group entered its state; the retention clock of an empty group starts here.
    private(set) var stateTimestamp: Int64?
    /// Set by the first member and kept while the group is empty; nil for a group that only stores offsets.
    var protocolType: String?
    /// The protocol chosen for the current generation.
    var protocolName: String?
    var generationID: Int32 = 0
    private(set) var leaderID: String?
    private(set) var memberIDs: [String] = []
    private(set) var members: [String: GroupMember] = [:]
    private(set) var staticMembers: [String: String] = [:]
    /// Members told MEMBER_ID_REQUIRED that have not joined yet, with the deadline to do so.
    private(set) var pendingMembers: [String: Int64] = [:]
    /// Members of the new generation that have not sent SyncGroup yet.
    var pendingSyncMembers: Set<String> = []
    /// A member joined during the initial delay, which then waits one more delay.
    var newMemberAdded = false
    var joinPhase: JoinPhase?
    /// When members still in `pendingSyncMembers` are dropped.
    var syncDeadline: Int64?
    var offsets: [OffsetKey: CommittedOffset] = [:]
    /// The topics the members subscribe to, for consumer groups whose subscriptions parse; nil when unknown.
    private(set) var subscribedTopics: Set<String>?

    init(groupID: String, state: GroupState = .empty, now: Int64?) {
        self.groupID = groupID
        self.state = state
        self.stateTimestamp = now
    }

    // MARK: State

    mutating func transition(to state: GroupState, now: Int64) {
        self.state = state
        stateTimestamp = now
    }

    /// Kafka's `canRebalance`: only a group between rebalances starts a new one.
    var canRebalance: Bool { state == .stable || state == .completingRebalance || state == .empty }

    var isConsumerGroup: Bool { protocolType == ConsumerSubscription.protocolType }

    /// The longest rebalance timeout among the members: how long a rebalance waits for them.
    var rebalanceTimeoutMs: Int64 {
        Int64(members.values.map(\.rebalanceTimeoutMs).max() ?? 0)
    }

    /// The earliest time the group needs the clock: a session, a pending member, the join phase or the sync deadline.
    var nextDeadline: Int64? {
        var deadlines = members.values.compactMap(\.sessionDeadline) + pendingMembers.values
        if let join = joinPhase?.deadline { deadlines.append(join) }
        if let syncDeadline { deadlines.append(syncDeadline) }
        return deadlines.min()
    }

    // MARK: Members

    var size: Int { members.count }
    var allMembers: [GroupMember] { memberIDs.compactMap { members[$0] } }
    func has(_ memberID: String) -> Bool { members[memberID] != nil }
    func member(_ memberID: String) -> GroupMember? { members[memberID] }
    func isLeader(_ memberID: String) -> Bool { leaderID == memberID }
    func isPending(_ memberID: String) -> Bool { pendingMembers[memberID] != nil }
    var numAwaitingJoin: Int { members.values.filter(\.isAwaitingJoin).count }

    /// Every known member rejoined and no member is still fetching its id.
    var hasAllMembersJoined: Bool {
        members.values.allSatisfy(\.isAwaitingJoin) && pendingMembers.isEmpty
    }

    /// Changes a member in place; false if there is no such member.
    @discardableResult
    mutating func update(_ memberID: String, _ change: (inout GroupMember) -> Void) -> Bool {
        guard var member = members[memberID] else { return false }
        change(&member)
        members[memberID] = member
        return true
    }

    /// Adds `member`; the first member fixes the protocol type and the first without a leader leads.
    mutating func add(_ member: GroupMember) {
        if members.isEmpty { protocolType = member.protocolType }
        if let instanceID = member.groupInstanceID { staticMembers[instanceID] = member.memberID }
        if leaderID == nil { leaderID = member.memberID }
        members[member.memberID] = member
        memberIDs.append(member.memberID)
        pendingMembers[member.memberID] = nil
    }

    /// Removes a member (or pending member) and returns it; the earliest remaining member leads
    /// if it was the leader. The caller answers any request the member had waiting.
    @discardableResult
    mutating func remove(_ memberID: String) -> GroupMember? {
        pendingMembers[memberID] = nil
        pendingSyncMembers.remove(memberID)
        guard let member = members.removeValue(forKey: memberID) else { return nil }
        memberIDs.removeAll { $0 == memberID }
        if let instanceID = member.groupInstanceID, staticMembers[instanceID] == memberID {
            staticMembers[instanceID] = nil
        }
        if leaderID == memberID { leaderID = memberIDs.first }
        return member
    }

    mutating func addPending(_ memberID: String, deadline: Int64) {
        pendingMembers[memberID] = deadline
    }

    func staticMemberID(for groupInstanceID: String) -> String? { staticMembers[groupInstanceID] }

    /// Gives a static member a new member id, keeping everything else; returns the member as it
    /// was, so the caller can fence the requests it had waiting under the old id.
    mutating func replaceStaticMember(instanceID: String, oldMemberID: String, newMemberID: String) -> GroupMember? {
        guard let old = members.removeValue(forKey: oldMemberID) else { return nil }
        var member = old
        member.memberID = newMemberID
        member.pendingJoin = nil
        member.pendingSync = nil
        members[newMemberID] = member
        memberIDs = memberIDs.map { $0 == oldMemberID ? newMemberID : $0 }
        if pendingSyncMembers.remove(oldMemberID) != nil { pendingSyncMembers.insert(newMemberID) }
        if leaderID == oldMemberID { leaderID = newMemberID }
        staticMembers[instanceID] = newMemberID
        return old
    }

    /// Kafka's validateCurrentMember: a static member must use its current member id
    /// (FENCED_INSTANCE_ID otherwise), and the member must exist.
    func memberError(memberID: String, groupInstanceID: String?) -> ErrorCode? {
        if let instanceID = groupInstanceID {
            guard let current = staticMembers[instanceID] else { return .unknownMemberID }
            return current == memberID ? nil : .fencedInstanceID
        }
        return has(memberID) ? nil : .unknownMemberID
    }

    /// Keeps the leader if it rejoined, else hands leadership to any member that did.
    /// False if nobody rejoined (or the group has no leader).
    mutating func electJoinedLeader() -> Bool {
        if let leader = leaderID.flatMap({ members[$0] }), leader.isAwaitingJoin { return true }
        guard let joined = memberIDs.first(where: { members[$0]?.isAwaitingJoin == true }) else { return false }
        leaderID = joined
        return true
    }

    // MARK: Protocols

    /// Protocols every member supports.
    private var candidateProtocols: Set<String> {
        var candidates: Set<String>?
        for member in members.values {
            let names = Set(member.protocols.map(\.name))
            candidates = candidates.map { $0.intersection(names) } ?? names
        }
        return candidates ?? []
    }

    /// Whether a member with these protocols may join: any non-empty offer joins an empty group;
    /// otherwise the type must match and one of the protocols must be supported by every member.
    func supportsProtocols(type: String, names: [String]) -> Bool {
        if state == .empty { return !type.isEmpty && !names.isEmpty }
        guard protocolType == type else { return false }
        let candidates = candidateProtocols
        return names.contains { candidates.contains($0) }
    }

    /// Kafka's vote: every member votes for its most preferred common protocol; the most votes
    /// win, ties going to the protocol that got its first vote earliest in join order.
    func selectProtocol() -> String? {
        let candidates = candidateProtocols
        var votes: [String: Int] = [:]
        var order: [String] = []
        for member in allMembers {
            guard let vote = member.vote(among: candidates) else { continue }
            if votes[vote] == nil { order.append(vote) }
            votes[vote, default: 0] += 1
        }
        var winner: (name: String, votes: Int)?
        for name in order where votes[name, default: 0] > (winner?.votes ?? 0) {
            winner = (name, votes[name, default: 0])
        }
        return winner?.name
    }

    /// Every member with its metadata for the chosen protocol, as the leader's JoinGroup response lists them.
    func currentMemberMetadata() -> [JoinedMember] {
        let protocolName = protocolName ?? ""
        return allMembers.map {
            JoinedMember(memberID: $0.memberID, groupInstanceID: $0.groupInstanceID, metadata: $0.metadata(for: protocolName))
        }
    }

    /// Starts the next generation: the chosen protocol and Kafka's states (CompletingRebalance, or Empty without members).
    mutating func initNextGeneration(now: Int64) {
        generationID &+= 1
        protocolName = members.isEmpty ? nil : selectProtocol()
        subscribedTopics = computeSubscribedTopics()
        transition(to: members.isEmpty ? .empty : .completingRebalance, now: now)
        pendingSyncMembers = []
    }

    // MARK: Subscriptions

    /// Whether the group consumes `topic`; true when unknown, to be safe (Kafka's isSubscribedToTopic).
    func isSubscribed(to topic: String) -> Bool {
        subscribedTopics?.contains(topic) ?? true
    }

    mutating func refreshSubscribedTopics() {
        subscribedTopics = computeSubscribedTopics()
    }

    private func computeSubscribedTopics() -> Set<String>? {
        guard isConsumerGroup else { return nil }
        if members.isEmpty { return [] }
        guard let protocolName else { return nil }
        var topics: Set<String> = []
        for member in members.values {
            guard let subscribed = ConsumerSubscription.topics(in: member.metadata(for: protocolName)) else { return nil }
            topics.formUnion(subscribed)
        }
        return topics
    }

    // MARK: Loading

    /// A group as its last GroupMetadata record describes it: Stable with members, else Empty.
    static func loaded(groupID: String, from value: GroupMetadataValue) -> ClassicGroup {
        var group = ClassicGroup(
            groupID: groupID, state: value.members.isEmpty ? .empty : .stable,
            now: value.currentStateTimestamp == -1 ? nil : value.currentStateTimestamp)
        group.generationID = value.generation
        group.protocolName = value.protocol
        for stored in value.members {
            var member = GroupMember(
                memberID: stored.memberId, groupInstanceID: stored.groupInstanceId, clientID: stored.clientId,
                clientHost: stored.clientHost,
                // Version 0 records have no rebalance timeout; Kafka used the session timeout then.
                rebalanceTimeoutMs: stored.rebalanceTimeout == -1 ? stored.sessionTimeout : stored.rebalanceTimeout,
                sessionTimeoutMs: stored.sessionTimeout, protocolType: value.protocolType,
                protocols: [GroupProtocol(name: value.protocol ?? "", metadata: stored.subscription)])
            member.assignment = stored.assignment
            group.add(member)
        }
        group.protocolType = value.protocolType.isEmpty ? nil : value.protocolType
        if let leader = value.leader, group.has(leader) { group.leaderID = leader }
        group.refreshSubscribedTopics()
        return group
    }

    /// The group's GroupMetadataValue (v3, as Kafka writes it) with these assignments.
    func metadataValue(assignments: [String: ByteBuffer]) -> GroupMetadataValue {
        let protocolName = protocolName ?? ""
        return GroupMetadataValue(
            protocolType: protocolType ?? "", generation: generationID, protocol: self.protocolName, leader: leaderID,
            currentStateTimestamp: stateTimestamp ?? -1,
            members: allMembers.map { member in
                GroupMetadataValue.MemberMetadata(
                    memberId: member.memberID, groupInstanceId: member.groupInstanceID, clientId: member.clientID,
                    clientHost: member.clientHost, rebalanceTimeout: member.rebalanceTimeoutMs,
                    sessionTimeout: member.sessionTimeoutMs, subscription: member.metadata(for: protocolName),
                    assignment: assignments[member.memberID] ?? ByteBuffer())
            })
    }
}

/// Where a group is in the join phase of a rebalance.
enum JoinPhase: Sendable, Equatable {
    /// The first rebalance of an empty group, waiting `delayMs` for more members; `remainingMs`
    /// is what the rebalance timeout still allows for further delays.
    case initialDelay(deadline: Int64, delayMs: Int64, remainingMs: Int64)
    /// Waiting for every known member to rejoin, until the rebalance timeout.
    case awaitingMembers(deadline: Int64)

    var deadline: Int64 {
        switch self {
        case .initialDelay(let deadline, _, _), .awaitingMembers(let deadline): deadline
        }
    }
}
