import GroupCoordination
import KafkaProtocol
import NIOCore
import Testing

/// Drives a coordinator the way the network layer does: a clock, a token per waiting request,
/// and a record of every answer and append. Checks on the way that no token is answered twice.
struct CoordinatorHarness {
    static let sessionTimeoutMs: Int32 = 10_000
    static let rebalanceTimeoutMs: Int32 = 30_000

    var coordinator: GroupCoordinator
    var now: Int64 = 1_000_000
    private var nextToken: UInt64 = 0
    private(set) var joins: [RequestToken: JoinGroupResult] = [:]
    private(set) var syncs: [RequestToken: SyncGroupResult] = [:]
    private(set) var appends: [OffsetsTopicAppend] = []

    init(_ config: GroupCoordinatorConfig = GroupCoordinatorConfig(initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1_000)) {
        coordinator = GroupCoordinator(config: config)
    }

    // MARK: Requests

    mutating func join(
        _ groupID: String, memberID: String = "", instanceID: String? = nil, client: String = "client",
        protocols: [GroupProtocol] = [protocolNamed("range")], protocolType: String = "consumer", requireKnownMemberID: Bool = true,
        supportsSkippingAssignment: Bool = false
    ) -> RequestToken {
        let token = makeToken()
        let input = JoinGroupInput(
            groupID: groupID, memberID: memberID, groupInstanceID: instanceID, clientID: client, clientHost: "/10.0.0.1",
            sessionTimeoutMs: Self.sessionTimeoutMs, rebalanceTimeoutMs: Self.rebalanceTimeoutMs, protocolType: protocolType,
            protocols: protocols, requireKnownMemberID: requireKnownMemberID, supportsSkippingAssignment: supportsSkippingAssignment)
        record(coordinator.joinGroup(input, token: token, now: now))
        return token
    }

    /// A new dynamic member's first two JoinGroups (KIP-394): the id, then the real join, whose
    /// token is returned with the id.
    mutating func joinNewMember(_ groupID: String, client: String = "client", protocols: [GroupProtocol] = [protocolNamed("range")]) -> (memberID: String, token: RequestToken) {
        let first = join(groupID, client: client, protocols: protocols)
        let required = joins[first]
        #expect(required?.errorCode == .memberIDRequired)
        let memberID = required?.memberID ?? ""
        #expect(memberID.hasPrefix("\(client)-"))
        return (memberID, join(groupID, memberID: memberID, client: client, protocols: protocols))
    }

    mutating func sync(_ groupID: String, generation: Int32, memberID: String, instanceID: String? = nil, assignments: [String: String] = [:]) -> RequestToken {
        let token = makeToken()
        let input = SyncGroupInput(
            groupID: groupID, generationID: generation, memberID: memberID, groupInstanceID: instanceID,
            assignments: assignments.sorted { $0.key < $1.key }.map { MemberAssignment(memberID: $0.key, assignment: ByteBuffer(string: $0.value)) })
        record(coordinator.syncGroup(input, token: token, now: now))
        return token
    }

    mutating func heartbeat(_ groupID: String, generation: Int32, memberID: String, instanceID: String? = nil) -> ErrorCode {
        let outcome = coordinator.heartbeat(
            HeartbeatInput(groupID: groupID, generationID: generation, memberID: memberID, groupInstanceID: instanceID), now: now)
        record(outcome.effects)
        return outcome.result
    }

    mutating func leave(_ groupID: String, _ members: [LeavingMember]) -> LeaveGroupResult {
        let outcome = coordinator.leaveGroup(groupID: groupID, members: members, now: now)
        record(outcome.effects)
        return outcome.result
    }

    mutating func commit(_ groupID: String, generation: Int32 = -1, memberID: String = "", offsets: [String: Int64]) -> [ErrorCode] {
        let partitions = offsets.sorted { $0.key < $1.key }.map {
            PartitionCommit(key: Self.key($0.key), offset: Offset($0.value), leaderEpoch: LeaderEpoch(3), metadata: "m-\($0.value)")
        }
        let outcome = coordinator.commitOffsets(
            OffsetCommitInput(groupID: groupID, generationID: generation, memberID: memberID, partitions: partitions), now: now)
        record(outcome.effects)
        return outcome.result.map(\.errorCode)
    }

    func committed(_ groupID: String, _ partition: String) -> Int64 {
        coordinator.fetchOffsets(groupID: groupID, partitions: [Self.key(partition)]).partitions.first?.offset.rawValue ?? -99
    }

    func state(_ groupID: String) -> GroupState {
        coordinator.describeGroup(groupID)?.state ?? .dead
    }

    mutating func advance(by milliseconds: Int64) {
        now += milliseconds
        record(coordinator.tick(now: now))
    }

    // MARK: Results

    func joinResult(_ token: RequestToken) -> JoinGroupResult? { joins[token] }
    func syncResult(_ token: RequestToken) -> SyncGroupResult? { syncs[token] }

    mutating func record(_ effects: [GroupEffect]) {
        for effect in effects {
            switch effect {
            case .completeJoin(let token, let result):
                #expect(joins[token] == nil, "join \(token) answered twice")
                joins[token] = result
            case .completeSync(let token, let result):
                #expect(syncs[token] == nil, "sync \(token) answered twice")
                syncs[token] = result
            case .append(let append):
                appends.append(append)
            }
        }
    }

    private mutating func makeToken() -> RequestToken {
        nextToken += 1
        return RequestToken(nextToken)
    }

    /// "topic-3" → topic "topic", partition 3.
    static func key(_ name: String) -> OffsetKey {
        let dash = name.lastIndex(of: "-")!
        return OffsetKey(topic: String(name[..<dash]), partition: PartitionIndex(Int32(name[name.index(after: dash)...])!))
    }
}

func protocolNamed(_ name: String, metadata: String = "subscription") -> GroupProtocol {
    GroupProtocol(name: name, metadata: ByteBuffer(string: metadata))
}

extension CoordinatorHarness {
    /// Brings `groupID` to Stable with `count` dynamic members (delay 0): each joins, all rejoin,
    /// the leader assigns "assignment-<i>". Returns the member ids in join order, the leader first, and the generation.
    mutating func stableGroup(_ groupID: String, members count: Int) -> (memberIDs: [String], generation: Int32) {
        var memberIDs: [String] = []
        var tokens: [RequestToken] = []
        for index in 0..<count {
            let (memberID, token) = joinNewMember(groupID, client: "client\(index)")
            memberIDs.append(memberID)
            tokens.append(token)
            // Everyone before the newcomer was answered or told to rejoin; they rejoin now.
            for (earlier, earlierID) in memberIDs.dropLast().enumerated() where joinResult(tokens[earlier]) != nil {
                tokens[earlier] = join(groupID, memberID: earlierID, client: "client\(earlier)")
            }
        }
        let results = tokens.compactMap { joinResult($0) }
        #expect(results.count == count)
        let generation = results.first?.generationID ?? -1
        let leader = results.first?.leaderID ?? ""
        let ordered = [leader] + memberIDs.filter { $0 != leader }
        var syncTokens: [RequestToken] = []
        for memberID in ordered.dropFirst() { syncTokens.append(sync(groupID, generation: generation, memberID: memberID)) }
        let assignments = Dictionary(uniqueKeysWithValues: memberIDs.enumerated().map { ($1, "assignment-\($0)") })
        syncTokens.append(sync(groupID, generation: generation, memberID: leader, assignments: assignments))
        #expect(syncTokens.allSatisfy { syncResult($0)?.errorCode == ErrorCode.none })
        #expect(state(groupID) == .stable)
        return (ordered, generation)
    }
}
