import GroupCoordination
import KafkaProtocol
import NIOCore
import Testing

@Suite struct OffsetCommitTests {
    @Test func membersCommitWithTheirGenerationAndReadItBack() {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("g", members: 2)
        #expect(harness.commit("g", generation: generation, memberID: members[1], offsets: ["orders-0": 42, "orders-1": 7]) == [.none, .none])
        let fetched = harness.coordinator.fetchOffsets(groupID: "g", partitions: [CoordinatorHarness.key("orders-1"), CoordinatorHarness.key("orders-9")])
        #expect(fetched == OffsetFetchResult(errorCode: .none, partitions: [
            FetchedOffset(key: CoordinatorHarness.key("orders-1"), offset: 7, leaderEpoch: 3, metadata: "m-7"),
            FetchedOffset(key: CoordinatorHarness.key("orders-9"), offset: -1, leaderEpoch: -1, metadata: ""),
        ]))
        let all = harness.coordinator.fetchOffsets(groupID: "g", partitions: nil)
        #expect(all.partitions.map(\.key) == [CoordinatorHarness.key("orders-0"), CoordinatorHarness.key("orders-1")])
        #expect(harness.coordinator.fetchOffsets(groupID: "nowhere", partitions: nil).partitions == [])
    }

    @Test func aStaleGenerationIsIllegal() {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("g", members: 1)
        #expect(harness.commit("g", generation: generation - 1, memberID: members[0], offsets: ["t-0": 1]) == [.illegalGeneration])
        #expect(harness.commit("nowhere", generation: 3, memberID: "m", offsets: ["t-0": 1]) == [.illegalGeneration])
        #expect(harness.committed("g", "t-0") == -1)
    }

    @Test func anUnknownMemberIsRefused() {
        var harness = CoordinatorHarness()
        let (_, generation) = harness.stableGroup("g", members: 1)
        #expect(harness.commit("g", generation: generation, memberID: "ghost", offsets: ["t-0": 1]) == [.unknownMemberID])
        // Without group management, commits are only allowed while the group has no members.
        #expect(harness.commit("g", offsets: ["t-0": 1]) == [.unknownMemberID])
        #expect(harness.committed("g", "t-0") == -1)
    }

    @Test func commitsDuringARebalanceDependOnItsPhase() {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("g", members: 2)
        _ = harness.joinNewMember("g", client: "late")
        #expect(harness.state("g") == .preparingRebalance)
        // While members are asked to rejoin, their last commits of the old generation still count.
        #expect(harness.commit("g", generation: generation, memberID: members[1], offsets: ["t-0": 10]) == [.none])

        _ = harness.join("g", memberID: members[0], client: "client0")
        _ = harness.join("g", memberID: members[1], client: "client1")
        #expect(harness.state("g") == .completingRebalance)
        #expect(harness.commit("g", generation: generation + 1, memberID: members[1], offsets: ["t-0": 11]) == [.rebalanceInProgress])
        #expect(harness.commit("g", generation: generation, memberID: members[1], offsets: ["t-0": 11]) == [.illegalGeneration])
        #expect(harness.committed("g", "t-0") == 10)
    }

    @Test func simpleConsumersCommitToGroupsWithoutMembers() {
        var harness = CoordinatorHarness()
        #expect(harness.commit("tool", offsets: ["t-0": 3]) == [.none])
        #expect(harness.state("tool") == .empty)
        #expect(harness.committed("tool", "t-0") == 3)
        #expect(harness.coordinator.describeGroup("tool")?.protocolType == "")
    }

    @Test func oversizedMetadataIsRefusedPerPartition() {
        var harness = CoordinatorHarness(GroupCoordinatorConfig(initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1_000, offsetMetadataMaxBytes: 4))
        let outcome = harness.coordinator.commitOffsets(OffsetCommitInput(groupID: "g", partitions: [
            PartitionCommit(key: CoordinatorHarness.key("t-0"), offset: 1, metadata: "tiny"),
            PartitionCommit(key: CoordinatorHarness.key("t-1"), offset: 2, metadata: "too long"),
            PartitionCommit(key: CoordinatorHarness.key("t-2"), offset: 3, metadata: nil),
        ]), now: harness.now)
        #expect(outcome.result.map(\.errorCode) == [.none, .offsetMetadataTooLarge, .none])
        harness.record(outcome.effects)
        #expect(harness.committed("g", "t-1") == -1)
        #expect(harness.coordinator.fetchOffsets(groupID: "g", partitions: [CoordinatorHarness.key("t-2")]).partitions.first?.metadata == "")
        guard case .append(let append) = outcome.effects.first else {
            Issue.record("no append")
            return
        }
        #expect(append.records.count == 2)
    }

    @Test func offsetsOfAnEmptyGroupExpireAfterTheRetentionSinceItEmptied() {
        #expect(GroupCoordinatorConfig().offsetsRetentionMs == 7 * 24 * 60 * 60 * 1_000)
        let retention: Int64 = 100_000
        var harness = CoordinatorHarness(GroupCoordinatorConfig(
            initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1_000, offsetsRetentionMs: retention, offsetsRetentionCheckIntervalMs: 10_000))
        let (members, generation) = harness.stableGroup("g", members: 1)
        #expect(harness.commit("g", generation: generation, memberID: members[0], offsets: ["t-0": 5]) == [.none])

        // Active groups keep their offsets, however old.
        for _ in 0..<(2 * retention / 5_000) {
            harness.advance(by: 5_000)
            #expect(harness.heartbeat("g", generation: generation, memberID: members[0]) == ErrorCode.none)
        }
        #expect(harness.committed("g", "t-0") == 5)

        _ = harness.leave("g", [LeavingMember(memberID: members[0])])
        #expect(harness.state("g") == .empty)
        let emptiedAt = harness.now
        let appendsBefore = harness.appends.count
        harness.advance(by: retention - 1)
        #expect(harness.committed("g", "t-0") == 5)
        // The next retention check after the retention passed removes offsets and the group.
        harness.advance(by: harness.coordinator.config.offsetsRetentionCheckIntervalMs)
        #expect(harness.now - emptiedAt >= retention)
        #expect(harness.committed("g", "t-0") == -1)
        #expect(harness.coordinator.describeGroup("g") == nil)
        #expect(harness.appends.dropFirst(appendsBefore).flatMap(\.records).compactMap { try? $0.decode() } == [
            .offsetCommit(groupID: "g", key: CoordinatorHarness.key("t-0"), offset: nil),
            .groupMetadata(groupID: "g", value: nil),
        ])
    }

    @Test func offsetsWithAnExplicitRetentionExpireThen() {
        var harness = CoordinatorHarness()
        let outcome = harness.coordinator.commitOffsets(OffsetCommitInput(
            groupID: "old-client", retentionTimeMs: 60_000,
            partitions: [PartitionCommit(key: CoordinatorHarness.key("t-0"), offset: 9)]), now: harness.now)
        harness.record(outcome.effects)
        harness.advance(by: harness.coordinator.config.offsetsRetentionCheckIntervalMs)
        #expect(harness.committed("old-client", "t-0") == -1)
    }

    @Test func offsetDeleteSparesTopicsTheGroupConsumes() {
        var harness = CoordinatorHarness()
        let subscription = consumerSubscription(topics: ["orders"])
        let first = harness.join("g", client: "c")
        let memberID = harness.joinResult(first)?.memberID ?? ""
        let joined = harness.join("g", memberID: memberID, client: "c", protocols: [GroupProtocol(name: "range", metadata: subscription)])
        let generation = harness.joinResult(joined)?.generationID ?? -1
        _ = harness.sync("g", generation: generation, memberID: memberID, assignments: [memberID: "a"])
        #expect(harness.commit("g", generation: generation, memberID: memberID, offsets: ["orders-0": 1, "old-0": 2]) == [.none, .none])

        let outcome = harness.coordinator.deleteOffsets(
            groupID: "g", partitions: [CoordinatorHarness.key("orders-0"), CoordinatorHarness.key("old-0")], now: harness.now)
        #expect(outcome.result == OffsetDeleteResult(errorCode: .none, partitions: [
            PartitionResult(key: CoordinatorHarness.key("orders-0"), errorCode: .groupSubscribedToTopic),
            PartitionResult(key: CoordinatorHarness.key("old-0"), errorCode: .none),
        ]))
        harness.record(outcome.effects)
        #expect(harness.committed("g", "orders-0") == 1)
        #expect(harness.committed("g", "old-0") == -1)

        let unknown = harness.coordinator.deleteOffsets(groupID: "nowhere", partitions: [], now: harness.now)
        #expect(unknown.result == OffsetDeleteResult(errorCode: .groupIDNotFound, partitions: []))
    }

    @Test func offsetDeleteOnANonConsumerGroupWithMembersIsRefused() {
        var harness = CoordinatorHarness()
        let token = harness.join("connect", protocols: [protocolNamed("default")], protocolType: "connect", requireKnownMemberID: false)
        #expect(harness.joinResult(token)?.errorCode == ErrorCode.none)
        let outcome = harness.coordinator.deleteOffsets(groupID: "connect", partitions: [CoordinatorHarness.key("t-0")], now: harness.now)
        #expect(outcome.result == OffsetDeleteResult(errorCode: .nonEmptyGroup, partitions: []))
    }
}

/// A ConsumerProtocolSubscription v1 as the Java client writes it: version, topics, user data, owned partitions.
func consumerSubscription(topics: [String]) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeInteger(Int16(1))
    buffer.writeInteger(Int32(topics.count))
    for topic in topics {
        buffer.writeInteger(Int16(topic.utf8.count))
        buffer.writeString(topic)
    }
    buffer.writeInteger(Int32(-1))
    buffer.writeInteger(Int32(0))
    return buffer
}
