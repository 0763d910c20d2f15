import GroupCoordination
import KafkaProtocol
import NIOCore
import Testing

@Suite struct JoinGroupTests {
    @Test func newMemberFirstGetsAnIDThenJoins() {
        var harness = CoordinatorHarness()
        let first = harness.join("g", client: "rdkafka")
        let required = harness.joinResult(first)
        #expect(required?.errorCode == .memberIDRequired)
        #expect(required?.generationID == -1)
        #expect(required?.leaderID == "")
        let memberID = required?.memberID ?? ""
        #expect(memberID.hasPrefix("rdkafka-") && memberID.count == "rdkafka-".count + 36)
        // A pending member does not start a rebalance.
        #expect(harness.state("g") == .empty)

        let second = harness.join("g", memberID: memberID, client: "rdkafka")
        let joined = harness.joinResult(second)
        #expect(joined?.errorCode == ErrorCode.none)
        #expect(joined?.memberID == memberID)
        #expect(joined?.leaderID == memberID)
        #expect(joined?.generationID == 1)
        #expect(joined?.protocolType == "consumer")
        #expect(joined?.protocolName == "range")
        #expect(joined?.members == [JoinedMember(memberID: memberID, groupInstanceID: nil, metadata: ByteBuffer(string: "subscription"))])
        #expect(harness.state("g") == .completingRebalance)
    }

    @Test func oldClientsJoinWithoutTheMemberIDRoundTrip() {
        var harness = CoordinatorHarness()
        let token = harness.join("g", requireKnownMemberID: false)
        #expect(harness.joinResult(token)?.errorCode == ErrorCode.none)
        #expect(harness.joinResult(token)?.generationID == 1)
    }

    @Test func threeMembersGetOneResponseEachAndOnlyTheLeaderSeesAllThree() {
        var harness = CoordinatorHarness(GroupCoordinatorConfig(initialRebalanceDelayMs: 3_000, minSessionTimeoutMs: 1_000))
        let a = harness.joinNewMember("g", client: "a", protocols: [protocolNamed("range", metadata: "A")])
        let b = harness.joinNewMember("g", client: "b", protocols: [protocolNamed("range", metadata: "B")])
        let c = harness.joinNewMember("g", client: "c", protocols: [protocolNamed("range", metadata: "C")])
        #expect(harness.state("g") == .preparingRebalance)
        #expect([a.token, b.token, c.token].allSatisfy { harness.joinResult($0) == nil })

        // Members b and c arrived during the initial delay, which therefore runs once more.
        harness.advance(by: 3_000)
        #expect([a.token, b.token, c.token].allSatisfy { harness.joinResult($0) == nil })
        #expect(harness.coordinator.nextDeadline == harness.now + 3_000)
        harness.advance(by: 3_000)

        let results = [a, b, c].map { harness.joinResult($0.token) }
        #expect(results.allSatisfy { $0?.errorCode == ErrorCode.none && $0?.generationID == 1 })
        #expect(results.map { $0?.memberID } == [a.memberID, b.memberID, c.memberID])
        #expect(results.allSatisfy { $0?.leaderID == a.memberID })
        #expect(results[0]?.members.map(\.memberID) == [a.memberID, b.memberID, c.memberID])
        #expect(results[0]?.members.map { String(buffer: $0.metadata) } == ["A", "B", "C"])
        #expect(results[1]?.members == [])
        #expect(results[2]?.members == [])
    }

    @Test func joinDuringARebalanceWaitsForEveryKnownMember() {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("g", members: 2)

        let newcomer = harness.joinNewMember("g", client: "late")
        #expect(harness.state("g") == .preparingRebalance)
        #expect(harness.joinResult(newcomer.token) == nil)
        // Heartbeats are how the old members learn they must rejoin.
        #expect(harness.heartbeat("g", generation: generation, memberID: members[0]) == .rebalanceInProgress)
        #expect(harness.heartbeat("g", generation: generation, memberID: members[1]) == .rebalanceInProgress)

        let leaderRejoin = harness.join("g", memberID: members[0], client: "client0")
        #expect(harness.joinResult(leaderRejoin) == nil)
        let followerRejoin = harness.join("g", memberID: members[1], client: "client1")

        let results = [leaderRejoin, followerRejoin, newcomer.token].map { harness.joinResult($0) }
        #expect(results.allSatisfy { $0?.generationID == generation + 1 && $0?.leaderID == members[0] })
        #expect(Set(results[0]?.members.map(\.memberID) ?? []) == Set(members + [newcomer.memberID]))
        #expect(harness.state("g") == .completingRebalance)
    }

    @Test func membersThatDoNotRejoinInTimeAreDropped() {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("g", members: 2)
        let newcomer = harness.joinNewMember("g", client: "late")
        // The follower keeps heartbeating but never rejoins; the session does not save it.
        let leaderRejoin = harness.join("g", memberID: members[0], client: "client0")
        for _ in 0..<5 {
            harness.advance(by: Int64(CoordinatorHarness.rebalanceTimeoutMs) / 6)
            #expect(harness.heartbeat("g", generation: generation, memberID: members[1]) == .rebalanceInProgress)
        }
        harness.advance(by: Int64(CoordinatorHarness.rebalanceTimeoutMs) / 6)

        let leader = harness.joinResult(leaderRejoin)
        #expect(leader?.generationID == generation + 1)
        #expect(leader?.members.map(\.memberID) == [members[0], newcomer.memberID])
        #expect(harness.joinResult(newcomer.token)?.generationID == generation + 1)
        #expect(harness.heartbeat("g", generation: generation + 1, memberID: members[1]) == .unknownMemberID)
    }

    @Test func protocolsMustOverlapAndTypesMatch() {
        var harness = CoordinatorHarness()
        _ = harness.stableGroup("g", members: 1)
        let otherStrategy = harness.join("g", protocols: [protocolNamed("roundrobin")])
        #expect(harness.joinResult(otherStrategy) == .failure(.inconsistentGroupProtocol, memberID: ""))
        let otherType = harness.join("g", protocolType: "connect")
        #expect(harness.joinResult(otherType)?.errorCode == .inconsistentGroupProtocol)
        let nothing = harness.join("fresh", protocols: [])
        #expect(harness.joinResult(nothing)?.errorCode == .inconsistentGroupProtocol)
        #expect(harness.state("g") == .stable)
    }

    @Test func theProtocolMostMembersPreferWins() {
        var harness = CoordinatorHarness(GroupCoordinatorConfig(initialRebalanceDelayMs: 100, minSessionTimeoutMs: 1_000))
        let a = harness.joinNewMember("g", client: "a", protocols: [protocolNamed("roundrobin"), protocolNamed("range"), protocolNamed("sticky")])
        let b = harness.joinNewMember("g", client: "b", protocols: [protocolNamed("range"), protocolNamed("roundrobin")])
        let c = harness.joinNewMember("g", client: "c", protocols: [protocolNamed("range"), protocolNamed("roundrobin")])
        harness.advance(by: 100)
        harness.advance(by: 100)
        #expect([a, b, c].allSatisfy { harness.joinResult($0.token)?.protocolName == "range" })
    }

    @Test func unknownMemberIDsAndBadArgumentsAreRefused() {
        var harness = CoordinatorHarness()
        let unknownGroup = harness.join("nowhere", memberID: "ghost")
        #expect(harness.joinResult(unknownGroup) == .failure(.unknownMemberID, memberID: "ghost"))
        _ = harness.stableGroup("g", members: 1)
        let ghost = harness.join("g", memberID: "ghost")
        #expect(harness.joinResult(ghost) == .failure(.unknownMemberID, memberID: "ghost"))
        let noGroup = harness.join("")
        #expect(harness.joinResult(noGroup)?.errorCode == .invalidGroupID)
        var input = JoinGroupInput(
            groupID: "g", clientID: "c", clientHost: "h", sessionTimeoutMs: 500, rebalanceTimeoutMs: 1_000,
            protocolType: "consumer", protocols: [protocolNamed("range")])
        harness.record(harness.coordinator.joinGroup(input, token: RequestToken(999), now: harness.now))
        #expect(harness.joinResult(RequestToken(999))?.errorCode == .invalidSessionTimeout)
        input.sessionTimeoutMs = 2_000_000
        harness.record(harness.coordinator.joinGroup(input, token: RequestToken(998), now: harness.now))
        #expect(harness.joinResult(RequestToken(998))?.errorCode == .invalidSessionTimeout)
    }

    @Test func aPendingMemberThatNeverReturnsNoLongerHoldsUpTheRebalance() {
        var harness = CoordinatorHarness()
        let (members, _) = harness.stableGroup("g", members: 1)
        let leaderRejoin = harness.join("g", memberID: members[0], client: "client0")
        #expect(harness.joinResult(leaderRejoin)?.generationID == 2)

        // A member gets an id during the next rebalance but never uses it.
        _ = harness.sync("g", generation: 2, memberID: members[0], assignments: [:])
        let other = harness.joinNewMember("g", client: "other")
        let leaderAgain = harness.join("g", memberID: members[0], client: "client0")
        #expect(harness.joinResult(leaderAgain)?.generationID == 3)
        _ = harness.sync("g", generation: 3, memberID: members[0])
        _ = harness.sync("g", generation: 3, memberID: other.memberID)
        let idOnly = harness.join("g", client: "idle")
        #expect(harness.joinResult(idOnly)?.errorCode == .memberIDRequired)
        #expect(harness.heartbeat("g", generation: 3, memberID: other.memberID) == ErrorCode.none)
        // The pending id expires after its session timeout; nothing else changes.
        harness.advance(by: Int64(CoordinatorHarness.sessionTimeoutMs) - 1)
        #expect(harness.heartbeat("g", generation: 3, memberID: other.memberID) == ErrorCode.none)
        #expect(harness.heartbeat("g", generation: 3, memberID: members[0]) == ErrorCode.none)
        harness.advance(by: 1)
        let late = harness.join("g", memberID: harness.joinResult(idOnly)?.memberID ?? "", client: "idle")
        #expect(harness.joinResult(late)?.errorCode == .unknownMemberID)
    }

    @Test func groupMaxSizeRefusesTheExtraMember() {
        var harness = CoordinatorHarness(GroupCoordinatorConfig(initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1_000, maxGroupSize: 1))
        _ = harness.stableGroup("g", members: 1)
        let extra = harness.join("g", client: "extra")
        #expect(harness.joinResult(extra) == .failure(.groupMaxSizeReached, memberID: ""))
        #expect(harness.state("g") == .stable)
    }
}
