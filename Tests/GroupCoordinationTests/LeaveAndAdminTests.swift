import GroupCoordination
import KafkaProtocol
import NIOCore
import Testing

@Suite struct LeaveAndAdminTests {
    @Test func leavingTriggersARebalanceOfTheRest() {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("g", members: 3)
        let result = harness.leave("g", [LeavingMember(memberID: members[2])])
        #expect(result == LeaveGroupResult(errorCode: .none, members: [LeftMember(member: LeavingMember(memberID: members[2]), errorCode: .none)]))
        #expect(harness.state("g") == .preparingRebalance)
        #expect(harness.heartbeat("g", generation: generation, memberID: members[0]) == .rebalanceInProgress)

        let rejoins = [harness.join("g", memberID: members[0], client: "client0"), harness.join("g", memberID: members[1], client: "client1")]
        #expect(rejoins.allSatisfy { harness.joinResult($0)?.generationID == generation + 1 })
        #expect(harness.joinResult(rejoins[0])?.members.map(\.memberID) == [members[0], members[1]])
    }

    @Test func theLastMemberLeavingEmptiesTheGroupAndRecordsIt() {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("g", members: 1)
        let appendsBefore = harness.appends.count
        _ = harness.leave("g", [LeavingMember(memberID: members[0])])
        #expect(harness.state("g") == .empty)
        // The empty generation is stored, as Kafka stores it.
        #expect(harness.appends.count == appendsBefore + 1)
        let stored = try? harness.appends.last?.records.first?.decode()
        guard case .groupMetadata("g", let value?) = stored else {
            Issue.record("expected group metadata, got \(String(describing: stored))")
            return
        }
        #expect(value.generation == generation + 1)
        #expect(value.members == [])
        #expect(value.protocol == nil)
        #expect(value.protocolType == "consumer")
    }

    @Test func leaveErrors() {
        var harness = CoordinatorHarness()
        let unknownGroup = harness.leave("nowhere", [LeavingMember(memberID: "m")])
        #expect(unknownGroup.errorCode == .none)
        #expect(unknownGroup.members.map(\.errorCode) == [.unknownMemberID])
        #expect(harness.leave("", [LeavingMember(memberID: "m")]) == LeaveGroupResult(errorCode: .invalidGroupID, members: []))
        _ = harness.stableGroup("g", members: 1)
        #expect(harness.leave("g", [LeavingMember(memberID: "ghost")]).members.map(\.errorCode) == [.unknownMemberID])
        #expect(harness.state("g") == .stable)
    }

    @Test func aMemberLeavingWhileOthersWaitForTheJoinPhaseLetsItFinish() {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("g", members: 2)
        let leaderRejoin = harness.join("g", memberID: members[0], client: "client0")
        #expect(harness.joinResult(leaderRejoin) == nil)
        _ = harness.leave("g", [LeavingMember(memberID: members[1])])
        #expect(harness.joinResult(leaderRejoin)?.generationID == generation + 1)
        #expect(harness.joinResult(leaderRejoin)?.members.map(\.memberID) == [members[0]])
    }

    @Test func deleteGroupsOnlyDeletesEmptyGroups() {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("busy", members: 1)
        #expect(harness.commit("busy", generation: generation, memberID: members[0], offsets: ["t-0": 5]) == [.none])
        #expect(harness.commit("simple", offsets: ["t-0": 7, "t-1": 8]) == [.none, .none])

        let outcome = harness.coordinator.deleteGroups(["busy", "simple", "nowhere"], now: harness.now)
        #expect(outcome.result == [
            GroupDeletion(groupID: "busy", errorCode: .nonEmptyGroup),
            GroupDeletion(groupID: "simple", errorCode: .none),
            GroupDeletion(groupID: "nowhere", errorCode: .groupIDNotFound),
        ])
        // Tombstones for both offsets; no group tombstone for a group that never had a generation.
        #expect(outcome.effects.count == 1)
        guard case .append(let append) = outcome.effects.first else { return }
        #expect(append.partition == OffsetsTopic.partition(for: "simple", partitionCount: 50))
        #expect(append.records.map(\.value) == [nil, nil])
        #expect(append.records.compactMap { try? $0.decode() } == [
            .offsetCommit(groupID: "simple", key: OffsetKey(topic: "t", partition: 0), offset: nil),
            .offsetCommit(groupID: "simple", key: OffsetKey(topic: "t", partition: 1), offset: nil),
        ])
        #expect(harness.coordinator.describeGroup("simple") == nil)
        #expect(harness.committed("simple", "t-0") == -1)
        #expect(harness.committed("busy", "t-0") == 5)

        // Once the member leaves, the group is empty and goes, with its offsets and its metadata.
        _ = harness.leave("busy", [LeavingMember(memberID: members[0])])
        let second = harness.coordinator.deleteGroups(["busy"], now: harness.now)
        #expect(second.result == [GroupDeletion(groupID: "busy", errorCode: .none)])
        guard case .append(let tombstones) = second.effects.first else {
            Issue.record("no tombstones for busy")
            return
        }
        #expect(tombstones.records.compactMap { try? $0.decode() } == [
            .offsetCommit(groupID: "busy", key: OffsetKey(topic: "t", partition: 0), offset: nil),
            .groupMetadata(groupID: "busy", value: nil),
        ])
        #expect(harness.coordinator.listGroups().map(\.groupID) == [])
    }

    @Test func describeShowsMetadataAndAssignmentsOnlyWhenStable() {
        var harness = CoordinatorHarness()
        let (members, _) = harness.stableGroup("g", members: 2)
        let stable = harness.coordinator.describeGroup("g")
        #expect(stable?.state == .stable)
        #expect(stable?.protocolType == "consumer")
        #expect(stable?.protocolData == "range")
        #expect(stable?.members.map(\.memberID) == members)
        #expect(stable?.members.map { String(buffer: $0.assignment) } == ["assignment-0", "assignment-1"])
        #expect(stable?.members.map { String(buffer: $0.metadata) } == ["subscription", "subscription"])
        #expect(stable?.members.first?.clientID == "client0")
        #expect(stable?.members.first?.clientHost == "/10.0.0.1")

        _ = harness.joinNewMember("g", client: "late")
        let rebalancing = harness.coordinator.describeGroup("g")
        #expect(rebalancing?.state == .preparingRebalance)
        #expect(rebalancing?.protocolData == "")
        #expect(rebalancing?.members.allSatisfy { $0.metadata.readableBytes == 0 && $0.assignment.readableBytes == 0 } == true)
        #expect(harness.coordinator.describeGroup("nowhere") == nil)
    }

    @Test func listGroupsFiltersByStateIgnoringCase() {
        var harness = CoordinatorHarness()
        _ = harness.stableGroup("stable", members: 1)
        _ = harness.commit("offsets-only", offsets: ["t-0": 1])
        #expect(harness.coordinator.listGroups() == [
            GroupListing(groupID: "offsets-only", protocolType: "", state: .empty),
            GroupListing(groupID: "stable", protocolType: "consumer", state: .stable),
        ])
        #expect(harness.coordinator.listGroups(statesFilter: ["stable"]).map(\.groupID) == ["stable"])
        #expect(harness.coordinator.listGroups(statesFilter: ["EMPTY", "Dead"]).map(\.groupID) == ["offsets-only"])
        #expect(harness.coordinator.listGroups(statesFilter: ["bogus"]) == [])
    }
}
