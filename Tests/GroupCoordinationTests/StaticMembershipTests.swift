import GroupCoordination
import KafkaProtocol
import NIOCore
import Testing

/// KIP-345: members with a group.instance.id keep their place across restarts.
@Suite struct StaticMembershipTests {
    /// A stable group of two static members, "a" (leader) and "b", in generation 1.
    private func stableStaticGroup(_ harness: inout CoordinatorHarness) -> (a: String, b: String) {
        harness = CoordinatorHarness(GroupCoordinatorConfig(initialRebalanceDelayMs: 100, minSessionTimeoutMs: 1_000))
        // Static members skip MEMBER_ID_REQUIRED: they are identified by their instance id.
        let a = harness.join("g", instanceID: "a", client: "ca")
        let b = harness.join("g", instanceID: "b", client: "cb")
        harness.advance(by: 100)
        harness.advance(by: 100)
        let aID = harness.joinResult(a)?.memberID ?? ""
        let bID = harness.joinResult(b)?.memberID ?? ""
        #expect(aID.hasPrefix("a-") && bID.hasPrefix("b-"))
        #expect(harness.joinResult(a)?.leaderID == aID)
        _ = harness.sync("g", generation: 1, memberID: bID, instanceID: "b")
        _ = harness.sync("g", generation: 1, memberID: aID, instanceID: "a", assignments: [aID: "pa", bID: "pb"])
        #expect(harness.state("g") == .stable)
        return (aID, bID)
    }

    @Test func aRestartedStaticMemberRejoinsWithoutARebalance() {
        var harness = CoordinatorHarness()
        let (a, b) = stableStaticGroup(&harness)
        let appendsBefore = harness.appends.count

        let rejoin = harness.join("g", instanceID: "b", client: "cb")
        let result = harness.joinResult(rejoin)
        let newB = result?.memberID ?? ""
        #expect(result?.errorCode == ErrorCode.none)
        #expect(newB != b && newB.hasPrefix("b-"))
        #expect(result?.generationID == 1)
        #expect(result?.leaderID == a)
        #expect(result?.members == [])
        #expect(harness.state("g") == .stable)
        // The new member id is stored, so a coordinator restart keeps it.
        #expect(harness.appends.count == appendsBefore + 1)

        // The old incarnation is fenced; the new one gets the old assignment without a rebalance.
        #expect(harness.heartbeat("g", generation: 1, memberID: b, instanceID: "b") == .fencedInstanceID)
        #expect(harness.heartbeat("g", generation: 1, memberID: newB, instanceID: "b") == ErrorCode.none)
        let sync = harness.sync("g", generation: 1, memberID: newB, instanceID: "b")
        #expect(harness.syncResult(sync).map { String(buffer: $0.assignment) } == "pb")
        #expect(harness.heartbeat("g", generation: 1, memberID: a, instanceID: "a") == ErrorCode.none)
        #expect(harness.state("g") == .stable)
    }

    @Test func aRestartedStaticLeaderIsNotToldItLeadsUnlessItCanSkipTheAssignment() {
        var harness = CoordinatorHarness()
        let (a, b) = stableStaticGroup(&harness)

        let oldClient = harness.join("g", instanceID: "a", client: "ca")
        let oldResult = harness.joinResult(oldClient)
        #expect(oldResult?.leaderID == a)
        #expect(oldResult?.memberID != a)
        #expect(oldResult?.skipAssignment == false)

        let newClient = harness.join("g", instanceID: "a", client: "ca", supportsSkippingAssignment: true)
        let newResult = harness.joinResult(newClient)
        let newA = newResult?.memberID ?? ""
        #expect(newResult?.leaderID == newA)
        #expect(newResult?.skipAssignment == true)
        #expect(newResult?.members.map(\.memberID) == [newA, b])
        #expect(harness.state("g") == .stable)
    }

    @Test func aStaticMemberWithChangedProtocolsRebalancesOnlyIfTheChoiceChanges() {
        var harness = CoordinatorHarness()
        let both = [protocolNamed("range"), protocolNamed("roundrobin")]
        let first = harness.join("g", instanceID: "a", client: "ca", protocols: both)
        let memberID = harness.joinResult(first)?.memberID ?? ""
        _ = harness.sync("g", generation: 1, memberID: memberID, instanceID: "a", assignments: [memberID: "pa"])
        #expect(harness.state("g") == .stable)

        let sameChoice = harness.join("g", instanceID: "a", client: "ca", protocols: [protocolNamed("range", metadata: "new"), protocolNamed("roundrobin")])
        #expect(harness.joinResult(sameChoice)?.generationID == 1)
        #expect(harness.joinResult(sameChoice)?.protocolName == "range")
        #expect(harness.state("g") == .stable)

        let otherChoice = harness.join("g", instanceID: "a", client: "ca", protocols: both.reversed())
        #expect(harness.joinResult(otherChoice)?.generationID == 2)
        #expect(harness.joinResult(otherChoice)?.protocolName == "roundrobin")
        #expect(harness.state("g") == .completingRebalance)
    }

    @Test func aRestartWhileTheOldIncarnationWaitsInARebalanceFencesTheOldRequest() {
        var harness = CoordinatorHarness()
        let (a, b) = stableStaticGroup(&harness)
        let oldIncarnation = harness.join("g", memberID: a, instanceID: "a", client: "ca")
        #expect(harness.state("g") == .preparingRebalance)

        let restarted = harness.join("g", instanceID: "a", client: "ca")
        #expect(harness.joinResult(oldIncarnation) == .failure(.fencedInstanceID, memberID: a))
        #expect(harness.joinResult(restarted) == nil)

        let bRejoin = harness.join("g", memberID: b, instanceID: "b", client: "cb")
        let newA = harness.joinResult(restarted)
        #expect(newA?.generationID == 2)
        #expect(newA?.leaderID == newA?.memberID)
        #expect(newA?.members.map(\.memberID) == [newA?.memberID ?? "", b])
        #expect(harness.joinResult(bRejoin)?.leaderID == newA?.memberID)
        #expect(harness.heartbeat("g", generation: 2, memberID: a, instanceID: "a") == .fencedInstanceID)
    }

    @Test func staticMembersAreRemovedByInstanceID() {
        var harness = CoordinatorHarness()
        let (a, b) = stableStaticGroup(&harness)
        let result = harness.leave("g", [LeavingMember(memberID: "", groupInstanceID: "b"), LeavingMember(memberID: "", groupInstanceID: "zz")])
        #expect(result == LeaveGroupResult(errorCode: .none, members: [
            LeftMember(member: LeavingMember(memberID: "", groupInstanceID: "b"), errorCode: .none),
            LeftMember(member: LeavingMember(memberID: "", groupInstanceID: "zz"), errorCode: .unknownMemberID),
        ]))
        #expect(harness.state("g") == .preparingRebalance)
        #expect(harness.heartbeat("g", generation: 1, memberID: b, instanceID: "b") == .unknownMemberID)
        let wrongID = harness.leave("g", [LeavingMember(memberID: "not-a", groupInstanceID: "a")])
        #expect(wrongID.members.map(\.errorCode) == [.fencedInstanceID])
        #expect(harness.heartbeat("g", generation: 1, memberID: a, instanceID: "a") == .rebalanceInProgress)
    }

    @Test func staticMembersThatDoNotRejoinStayUntilTheirSessionEnds() {
        var harness = CoordinatorHarness()
        let (a, b) = stableStaticGroup(&harness)
        let leaderRejoin = harness.join("g", memberID: a, instanceID: "a", client: "ca")
        // b is silent: the join phase runs out, b stays a member (no response for it), then its session expires.
        harness.advance(by: Int64(CoordinatorHarness.sessionTimeoutMs) - 1)
        #expect(harness.joinResult(leaderRejoin) == nil)
        harness.advance(by: 1)
        // b's session ended: it is removed, and a (the only member, waiting) completes the rebalance.
        let result = harness.joinResult(leaderRejoin)
        #expect(result?.generationID == 2)
        #expect(result?.members.map(\.memberID) == [a])
        #expect(harness.heartbeat("g", generation: 2, memberID: b, instanceID: "b") == .unknownMemberID)
    }
}
