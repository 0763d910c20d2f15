import GroupCoordination
import KafkaProtocol
import NIOCore
import Testing

@Suite struct SyncAndHeartbeatTests {
    /// Two members in generation 1 of "g", both answered, nobody synced yet.
    private func twoJoinedMembers(_ harness: inout CoordinatorHarness) -> (leader: String, follower: String) {
        harness = CoordinatorHarness(GroupCoordinatorConfig(initialRebalanceDelayMs: 100, minSessionTimeoutMs: 1_000))
        let leader = harness.joinNewMember("g", client: "leader")
        let follower = harness.joinNewMember("g", client: "follower")
        harness.advance(by: 100)
        harness.advance(by: 100)
        #expect(harness.joinResult(leader.token)?.leaderID == leader.memberID)
        #expect(harness.joinResult(follower.token)?.generationID == 1)
        return (leader.memberID, follower.memberID)
    }

    @Test func followersThatSyncFirstWaitForTheLeadersAssignment() {
        var harness = CoordinatorHarness()
        let (leader, follower) = twoJoinedMembers(&harness)
        let followerSync = harness.sync("g", generation: 1, memberID: follower)
        #expect(harness.syncResult(followerSync) == nil)
        #expect(harness.heartbeat("g", generation: 1, memberID: follower) == ErrorCode.none)

        let leaderSync = harness.sync("g", generation: 1, memberID: leader, assignments: [leader: "p0", follower: "p1"])
        #expect(harness.syncResult(leaderSync) == SyncGroupResult(
            errorCode: .none, protocolType: "consumer", protocolName: "range", assignment: ByteBuffer(string: "p0")))
        #expect(harness.syncResult(followerSync).map { String(buffer: $0.assignment) } == "p1")
        #expect(harness.state("g") == .stable)
        // The assignment is stored before anyone is told about it.
        #expect(harness.appends.count == 1)

        // A late or repeated SyncGroup in a stable group gets the stored assignment.
        let again = harness.sync("g", generation: 1, memberID: follower)
        #expect(harness.syncResult(again).map { String(buffer: $0.assignment) } == "p1")
    }

    @Test func syncErrorsAreKafkas() {
        var harness = CoordinatorHarness()
        let (leader, follower) = twoJoinedMembers(&harness)
        let staleGeneration = harness.sync("g", generation: 0, memberID: follower)
        let unknownMember = harness.sync("g", generation: 1, memberID: "ghost")
        let unknownGroup = harness.sync("nowhere", generation: 1, memberID: leader)
        let noGroup = harness.sync("", generation: 1, memberID: leader)
        #expect(harness.syncResult(staleGeneration) == .failure(.illegalGeneration))
        #expect(harness.syncResult(unknownMember) == .failure(.unknownMemberID))
        #expect(harness.syncResult(unknownGroup) == .failure(.unknownMemberID))
        #expect(harness.syncResult(noGroup) == .failure(.invalidGroupID))
        var wrongProtocol = SyncGroupInput(groupID: "g", generationID: 1, memberID: follower, protocolName: "roundrobin")
        harness.record(harness.coordinator.syncGroup(wrongProtocol, token: RequestToken(500), now: harness.now))
        #expect(harness.syncResult(RequestToken(500)) == .failure(.inconsistentGroupProtocol))
        wrongProtocol.protocolName = "range"
        wrongProtocol.protocolType = "connect"
        harness.record(harness.coordinator.syncGroup(wrongProtocol, token: RequestToken(501), now: harness.now))
        #expect(harness.syncResult(RequestToken(501)) == .failure(.inconsistentGroupProtocol))

        // During a rebalance SyncGroup tells the member to rejoin.
        _ = harness.joinNewMember("g", client: "third")
        #expect(harness.state("g") == .preparingRebalance)
        let duringRebalance = harness.sync("g", generation: 1, memberID: leader)
        #expect(harness.syncResult(duringRebalance) == .failure(.rebalanceInProgress))
    }

    @Test func aLeaderThatNeverSyncsIsDroppedAndTheGroupRebalances() {
        var harness = CoordinatorHarness()
        let (leader, follower) = twoJoinedMembers(&harness)
        let followerSync = harness.sync("g", generation: 1, memberID: follower)

        // The leader is alive (it heartbeats) but never sends its assignment.
        for _ in 0..<5 {
            harness.advance(by: 5_000)
            #expect(harness.heartbeat("g", generation: 1, memberID: leader) == ErrorCode.none)
        }
        harness.advance(by: 4_999)
        #expect(harness.syncResult(followerSync) == nil)
        #expect(harness.state("g") == .completingRebalance)
        harness.advance(by: 1)

        #expect(harness.state("g") == .preparingRebalance)
        #expect(harness.syncResult(followerSync) == .failure(.rebalanceInProgress))
        #expect(harness.heartbeat("g", generation: 1, memberID: leader) == .unknownMemberID)
        #expect(harness.heartbeat("g", generation: 1, memberID: follower) == .rebalanceInProgress)

        let rejoin = harness.join("g", memberID: follower, client: "follower")
        let result = harness.joinResult(rejoin)
        #expect(result?.generationID == 2)
        #expect(result?.leaderID == follower)
        #expect(result?.members.map(\.memberID) == [follower])
    }

    @Test func followersThatNeverSyncAreDroppedEvenAfterTheLeaderDid() {
        var harness = CoordinatorHarness()
        let (leader, follower) = twoJoinedMembers(&harness)
        _ = harness.sync("g", generation: 1, memberID: leader, assignments: [leader: "p0", follower: "p1"])
        #expect(harness.state("g") == .stable)
        for _ in 0..<5 {
            harness.advance(by: 5_000)
            #expect(harness.heartbeat("g", generation: 1, memberID: leader) == ErrorCode.none)
            #expect(harness.heartbeat("g", generation: 1, memberID: follower) == ErrorCode.none)
        }
        #expect(harness.state("g") == .stable)
        harness.advance(by: 5_000)
        #expect(harness.state("g") == .preparingRebalance)
        #expect(harness.heartbeat("g", generation: 1, memberID: follower) == .unknownMemberID)
    }

    @Test func aMemberThatMissesItsHeartbeatsIsRemovedAndTheRestRebalance() {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("g", members: 2)
        let session = Int64(CoordinatorHarness.sessionTimeoutMs)
        harness.advance(by: session / 2)
        #expect(harness.heartbeat("g", generation: generation, memberID: members[1]) == ErrorCode.none)
        harness.advance(by: session / 2 - 1)
        #expect(harness.state("g") == .stable)
        harness.advance(by: 1)

        // members[0] (the leader) last heard from at the end of the sync: gone.
        #expect(harness.state("g") == .preparingRebalance)
        #expect(harness.heartbeat("g", generation: generation, memberID: members[0]) == .unknownMemberID)
        #expect(harness.heartbeat("g", generation: generation, memberID: members[1]) == .rebalanceInProgress)
        let rejoin = harness.join("g", memberID: members[1], client: "client1")
        #expect(harness.joinResult(rejoin)?.generationID == generation + 1)
        #expect(harness.joinResult(rejoin)?.leaderID == members[1])
    }

    @Test func heartbeatErrorsAreKafkas() {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("g", members: 1)
        #expect(harness.heartbeat("g", generation: generation - 1, memberID: members[0]) == .illegalGeneration)
        #expect(harness.heartbeat("g", generation: generation, memberID: "ghost") == .unknownMemberID)
        #expect(harness.heartbeat("nowhere", generation: generation, memberID: members[0]) == .unknownMemberID)
        #expect(harness.heartbeat("", generation: generation, memberID: members[0]) == .invalidGroupID)
        #expect(harness.heartbeat("g", generation: generation, memberID: members[0], instanceID: "i") == .unknownMemberID)
    }

    @Test func theNextDeadlineIsTheEarliestSession() {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("g", members: 1)
        let start = harness.now
        #expect(harness.coordinator.nextDeadline == start + Int64(CoordinatorHarness.sessionTimeoutMs))
        harness.advance(by: 4_000)
        #expect(harness.heartbeat("g", generation: generation, memberID: members[0]) == ErrorCode.none)
        // The earlier deadline may still be reported (a harmless early tick); after it, the renewed one is.
        harness.advance(by: Int64(CoordinatorHarness.sessionTimeoutMs) - 4_000)
        #expect(harness.state("g") == .stable)
        #expect(harness.coordinator.nextDeadline == start + 4_000 + Int64(CoordinatorHarness.sessionTimeoutMs))
    }
}
