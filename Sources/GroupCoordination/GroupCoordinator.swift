import KafkaProtocol

/// Kafka's group coordinator for classic consumer groups, as a pure state machine: no sockets,
/// threads or clocks. The network layer hands it requests with the current time and carries
/// out the effects it returns; `nextDeadline` says when to call `tick(now:)` so that sessions,
/// rebalance and sync timeouts, and offset retention happen on time.
///
/// Guarantees: every JoinGroup and SyncGroup token handed in is answered by exactly one
/// `completeJoin`/`completeSync` effect (a superseded or fenced request is answered with an
/// error, never dropped); every change to committed offsets or to a group's generation comes
/// with the `__consumer_offsets` records that make it durable, ahead of the answers that report it;
/// replaying those records through `GroupStateLoader` rebuilds every committed offset and each
/// group's last stored generation (a rebalance in progress is not stored, as in Kafka).
public struct GroupCoordinator: Sendable {
    public let config: GroupCoordinatorConfig
    private var groups: [String: ClassicGroup] = [:]
    private var deadlines = DeadlineQueue()
    private var nextRetentionCheck: Int64?
    private var effects: [GroupEffect] = []

    public init(config: GroupCoordinatorConfig = GroupCoordinatorConfig()) {
        self.config = config
    }

    /// A coordinator holding groups loaded from `__consumer_offsets`. As in Kafka, every loaded
    /// member must heartbeat within its session timeout from `now`, and a group over the size
    /// limit rebalances.
    init(config: GroupCoordinatorConfig, loadedGroups: [ClassicGroup], now: Int64) {
        self.config = config
        for group in loadedGroups {
            groups[group.groupID] = group
            update(group.groupID, now: now) { update in
                for member in update.group.allMembers { update.renewSession(of: member.memberID) }
                if update.group.size > update.config.maxGroupSize { update.prepareRebalance() }
            }
        }
    }

    /// When `tick(now:)` must next be called; nil when nothing is waiting on the clock.
    /// Calling earlier is harmless.
    public var nextDeadline: Int64? {
        [deadlines.earliest, nextRetentionCheck].compactMap { $0 }.min()
    }

    /// Fires every deadline that has passed: expired sessions, ended join phases, members that
    /// never synced, and the periodic offset retention check.
    public mutating func tick(now: Int64) -> [GroupEffect] {
        advance(to: now)
        return drainEffects()
    }

    // MARK: Membership

    /// JoinGroup. The answer comes as a `completeJoin` effect for `token`: at once, or when the
    /// rebalance's join phase ends.
    public mutating func joinGroup(_ input: JoinGroupInput, token: RequestToken, now: Int64) -> [GroupEffect] {
        advance(to: now)
        if input.groupID.isEmpty {
            effects.append(.completeJoin(token, .failure(.invalidGroupID, memberID: input.memberID)))
        } else if input.sessionTimeoutMs < config.minSessionTimeoutMs || input.sessionTimeoutMs > config.maxSessionTimeoutMs {
            effects.append(.completeJoin(token, .failure(.invalidSessionTimeout, memberID: input.memberID)))
        } else if groups[input.groupID] == nil && !input.memberID.isEmpty {
            // A member id the coordinator never handed out (or the group is gone): start over.
            effects.append(.completeJoin(token, .failure(.unknownMemberID, memberID: input.memberID)))
        } else {
            update(input.groupID, creating: true, now: now) { $0.join(input, token: token) }
        }
        return drainEffects()
    }

    /// SyncGroup. The answer comes as a `completeSync` effect for `token`: at once, or (for a
    /// follower that syncs first) when the leader's assignment arrives.
    public mutating func syncGroup(_ input: SyncGroupInput, token: RequestToken, now: Int64) -> [GroupEffect] {
        advance(to: now)
        if input.groupID.isEmpty {
            effects.append(.completeSync(token, .failure(.invalidGroupID)))
        } else if update(input.groupID, now: now, { $0.sync(input, token: token) }) == nil {
            effects.append(.completeSync(token, .failure(.unknownMemberID)))
        }
        return drainEffects()
    }

    public mutating func heartbeat(_ input: HeartbeatInput, now: Int64) -> GroupOutcome<ErrorCode> {
        advance(to: now)
        let error: ErrorCode =
            input.groupID.isEmpty ? .invalidGroupID : update(input.groupID, now: now) { $0.heartbeat(input) } ?? .unknownMemberID
        return finish(error)
    }

    public mutating func leaveGroup(groupID: String, members: [LeavingMember], now: Int64) -> GroupOutcome<LeaveGroupResult> {
        advance(to: now)
        let result: LeaveGroupResult
        if groupID.isEmpty {
            result = LeaveGroupResult(errorCode: .invalidGroupID, members: [])
        } else if let left = update(groupID, now: now, { $0.leave(members) }) {
            result = LeaveGroupResult(errorCode: .none, members: left)
        } else {
            result = LeaveGroupResult(errorCode: .none, members: members.map { LeftMember(member: $0, errorCode: .unknownMemberID) })
        }
        return finish(result)
    }

    // MARK: Administration

    /// DescribeGroups for one group; nil if the coordinator does not know it (Kafka answers such
    /// a group as Dead, or with GROUP_ID_NOT_FOUND from DescribeGroups v6).
    public func describeGroup(_ groupID: String) -> GroupDescription? {
        guard let group = groups[groupID] else { return nil }
        let protocolName = group.state == .stable ? group.protocolName ?? "" : ""
        let members = group.allMembers.map { member in
            DescribedMember(
                memberID: member.memberID, groupInstanceID: member.groupInstanceID, clientID: member.clientID,
                clientHost: member.clientHost,
                metadata: group.state == .stable ? member.metadata(for: protocolName) : .init(),
                assignment: group.state == .stable ? member.assignment : .init())
        }
        return GroupDescription(
            groupID: groupID, state: group.state, protocolType: group.protocolType ?? "", protocolData: protocolName, members: members)
    }

    /// ListGroups, sorted by group id. `statesFilter` (ListGroups v4+) keeps groups in any of the
    /// named states, compared ignoring case; empty keeps all.
    public func listGroups(statesFilter: [String] = []) -> [GroupListing] {
        let wanted = Set(statesFilter.map { $0.lowercased() })
        return groups.values
            .filter { wanted.isEmpty || wanted.contains($0.state.rawValue.lowercased()) }
            .map { GroupListing(groupID: $0.groupID, protocolType: $0.protocolType ?? "", state: $0.state) }
            .sorted { $0.groupID < $1.groupID }
    }

    /// DeleteGroups: only empty groups go, with all their offsets.
    public mutating func deleteGroups(_ groupIDs: [String], now: Int64) -> GroupOutcome<[GroupDeletion]> {
        advance(to: now)
        let results = groupIDs.map { groupID in
            let error = update(groupID, now: now) { update -> ErrorCode in
                guard update.group.state == .empty else { return .nonEmptyGroup }
                update.removeOffsets(Array(update.group.offsets.keys))
                return .none
            }
            return GroupDeletion(groupID: groupID, errorCode: error ?? .groupIDNotFound)
        }
        return finish(results)
    }

    // MARK: Offsets

    /// OffsetCommit. A commit with generation -1 to an unknown group creates it (a group that only
    /// stores offsets); any other commit to an unknown group is from a stale generation.
    public mutating func commitOffsets(_ input: OffsetCommitInput, now: Int64) -> GroupOutcome<[PartitionResult]> {
        advance(to: now)
        let results: [PartitionResult]
        if groups[input.groupID] == nil && input.generationID >= 0 {
            results = input.partitions.map { PartitionResult(key: $0.key, errorCode: .illegalGeneration) }
        } else {
            results = update(input.groupID, creating: true, now: now) { $0.commitOffsets(input) } ?? []
        }
        return finish(results)
    }

    /// OffsetFetch for one group: the named partitions (-1 where nothing is committed), or with
    /// nil every committed partition, sorted. Works whatever the group's state, as in Kafka.
    public func fetchOffsets(groupID: String, partitions: [OffsetKey]?) -> OffsetFetchResult {
        let offsets = groups[groupID]?.offsets ?? [:]
        let keys = partitions ?? offsets.keys.sorted()
        return OffsetFetchResult(errorCode: .none, partitions: keys.map { key in
            guard let committed = offsets[key] else { return .none(key) }
            return FetchedOffset(key: key, offset: committed.offset, leaderEpoch: committed.leaderEpoch, metadata: committed.metadata)
        })
    }

    /// OffsetDelete (KIP-496).
    public mutating func deleteOffsets(groupID: String, partitions: [OffsetKey], now: Int64) -> GroupOutcome<OffsetDeleteResult> {
        advance(to: now)
        let result: OffsetDeleteResult
        if groupID.isEmpty {
            result = OffsetDeleteResult(errorCode: .invalidGroupID, partitions: [])
        } else {
            result = update(groupID, now: now) { $0.deleteOffsets(partitions) } ?? OffsetDeleteResult(errorCode: .groupIDNotFound, partitions: [])
        }
        return finish(result)
    }

    // MARK: Running updates

    /// Runs `body` on the group (created empty if `creating` and missing), fires whatever it made
    /// due, and puts the group back — or forgets it if it was deleted. Nil if there is no such group.
    @discardableResult
    private mutating func update<Result>(
        _ groupID: String, creating: Bool = false, now: Int64, _ body: (inout GroupUpdate) -> Result
    ) -> Result? {
        guard let group = groups[groupID] ?? (creating ? ClassicGroup(groupID: groupID, now: now) : nil) else { return nil }
        var update = GroupUpdate(group: group, config: config, now: now)
        let result = body(&update)
        update.fireDueTimers()
        effects += update.effects
        if update.isDeleted {
            groups[groupID] = nil
        } else {
            groups[groupID] = update.group
            deadlines.schedule(groupID, at: update.group.nextDeadline)
        }
        return result
    }

    /// Fires every group deadline up to `now`, and the retention check when it is due
    /// (at the first call, then every `offsetsRetentionCheckIntervalMs`, as Kafka schedules it).
    private mutating func advance(to now: Int64) {
        for groupID in deadlines.popDue(now: now) {
            update(groupID, now: now) { _ in }
        }
        if nextRetentionCheck.map({ now >= $0 }) ?? true {
            for groupID in groups.keys.sorted() {
                update(groupID, now: now) { $0.expireOffsets() }
            }
            nextRetentionCheck = now + config.offsetsRetentionCheckIntervalMs
        }
    }

    private mutating func drainEffects() -> [GroupEffect] {
        defer { effects = [] }
        return effects
    }

    private mutating func finish<Result>(_ result: Result) -> GroupOutcome<Result> {
        GroupOutcome(result: result, effects: drainEffects())
    }
}

/// A call's direct result, and the effects to carry out before sending it.
public struct GroupOutcome<Result: Sendable>: Sendable {
    public let result: Result
    public let effects: [GroupEffect]
}
