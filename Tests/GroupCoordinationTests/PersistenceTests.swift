import GroupCoordination
import KafkaProtocol
import KafkaRecords
import NIOCore
import Testing

@Suite struct PersistenceTests {
    @Test func groupsLiveInThePartitionKafkaWouldPick() {
        // Expected values from Java's String.hashCode, computed independently.
        #expect(OffsetsTopic.partition(for: "hello", partitionCount: 50) == 22)
        #expect(OffsetsTopic.partition(for: "my-group", partitionCount: 50) == 12)
        #expect(OffsetsTopic.partition(for: "console-consumer-40163", partitionCount: 50) == 25)
        #expect(OffsetsTopic.partition(for: "groupé😀", partitionCount: 50) == 25)
        // hashCode is Int32.min here; Kafka's Utils.abs maps it to 0.
        #expect(OffsetsTopic.partition(for: "polygenelubricants", partitionCount: 50) == 0)
        #expect(OffsetsTopic.partition(for: "", partitionCount: 50) == 0)
    }

    @Test func offsetCommitRecordsAreKafkasBytes() throws {
        var harness = CoordinatorHarness()
        harness.now = 1_000
        let outcome = harness.coordinator.commitOffsets(OffsetCommitInput(groupID: "g", partitions: [
            PartitionCommit(key: OffsetKey(topic: "t", partition: 2), offset: 42, leaderEpoch: 3, metadata: "m"),
        ]), now: harness.now)
        guard case .append(let append) = outcome.effects.first, let record = append.records.first else {
            Issue.record("no record")
            return
        }
        #expect(append.partition == OffsetsTopic.partition(for: "g", partitionCount: 50))
        #expect(append.timestamp == 1_000)
        // Key version 1: group, topic, partition.
        #expect(Array(buffer: record.key) == [0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 2])
        // Value version 3: offset, leader epoch, metadata, commit timestamp.
        #expect(record.value.map { Array(buffer: $0) } == [0, 3, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 3, 0, 1, 0x6d, 0, 0, 0, 0, 0, 0, 0x03, 0xe8])

        let batch = try #require(try append.recordBatch())
        let decoded = try RecordBatch.readAll(from: batch)
        #expect(decoded.count == 1)
        #expect(decoded.first?.header.attributes.compression == CompressionCodec.none)
        #expect(decoded.first?.header.baseTimestamp == 1_000)
        #expect(decoded.first?.records.map(\.key) == [record.key])
        #expect(decoded.first?.records.map(\.value) == [record.value])
    }

    @Test func groupMetadataRecordsCarryTheGenerationMembersAndAssignments() throws {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("g", members: 2)
        let stored = try harness.appends.last?.records.first?.decode()
        guard case .groupMetadata("g", let value?) = stored else {
            Issue.record("expected group metadata, got \(String(describing: stored))")
            return
        }
        #expect(Array(buffer: harness.appends.last?.records.first?.key ?? ByteBuffer()) == [0, 2, 0, 1, 0x67])
        #expect(harness.appends.last?.records.first?.value?.getInteger(at: 0, as: Int16.self) == 3)
        #expect(value.generation == generation)
        #expect(value.protocolType == "consumer")
        #expect(value.protocol == "range")
        #expect(value.leader == members[0])
        #expect(value.members.map(\.memberId) == members)
        #expect(value.members.map { String(buffer: $0.assignment) } == ["assignment-0", "assignment-1"])
        #expect(value.members.map(\.sessionTimeout) == [CoordinatorHarness.sessionTimeoutMs, CoordinatorHarness.sessionTimeoutMs])
        #expect(value.members.map(\.rebalanceTimeout) == [CoordinatorHarness.rebalanceTimeoutMs, CoordinatorHarness.rebalanceTimeoutMs])
        #expect(value.members.first?.clientHost == "/10.0.0.1")
    }

    @Test func replayingTheRecordsRebuildsGroupsAndOffsets() throws {
        var harness = CoordinatorHarness()
        let (members, generation) = harness.stableGroup("app", members: 2)
        #expect(harness.commit("app", generation: generation, memberID: members[0], offsets: ["orders-0": 10, "orders-1": 20]) == [.none, .none])
        #expect(harness.commit("app", generation: generation, memberID: members[1], offsets: ["orders-1": 21]) == [.none])
        #expect(harness.commit("tool", offsets: ["audit-0": 5]) == [.none])
        #expect(harness.commit("gone", offsets: ["x-0": 1]) == [.none])
        let deleted = harness.coordinator.deleteGroups(["gone"], now: harness.now)
        harness.record(deleted.effects)
        _ = harness.stableGroup("left", members: 1)
        _ = harness.leave("left", [LeavingMember(memberID: harness.coordinator.describeGroup("left")?.members.first?.memberID ?? "")])

        // What the broker would have written, one batch per append, read back from each partition's log.
        var logs: [PartitionIndex: ByteBuffer] = [:]
        for append in harness.appends {
            var batch = try #require(try append.recordBatch())
            logs[append.partition, default: ByteBuffer()].writeBuffer(&batch)
        }
        var loader = GroupStateLoader()
        for (partition, log) in logs {
            for batch in try RecordBatch.readAll(from: log) { try loader.apply(batch, partition: partition) }
        }
        let restartedAt = harness.now + 1_000
        var restored = CoordinatorHarness()
        restored.coordinator = loader.makeCoordinator(config: harness.coordinator.config, now: restartedAt)
        restored.now = restartedAt

        #expect(restored.coordinator.listGroups() == harness.coordinator.listGroups())
        #expect(restored.coordinator.listGroups().map(\.groupID) == ["app", "left", "tool"])
        for groupID in ["app", "tool", "left", "gone"] {
            #expect(restored.coordinator.fetchOffsets(groupID: groupID, partitions: nil) == harness.coordinator.fetchOffsets(groupID: groupID, partitions: nil))
            #expect(restored.coordinator.describeGroup(groupID) == harness.coordinator.describeGroup(groupID))
        }
        #expect(restored.committed("app", "orders-1") == 21)

        // The restored members carry on in their generation, and must keep heartbeating.
        #expect(restored.heartbeat("app", generation: generation, memberID: members[1]) == ErrorCode.none)
        let sync = restored.sync("app", generation: generation, memberID: members[1])
        #expect(restored.syncResult(sync).map { String(buffer: $0.assignment) } == "assignment-1")
        #expect(restored.commit("app", generation: generation, memberID: members[0], offsets: ["orders-0": 11]) == [.none])
        restored.advance(by: 5_000)
        #expect(restored.heartbeat("app", generation: generation, memberID: members[1]) == ErrorCode.none)
        restored.advance(by: 5_000)
        #expect(restored.state("app") == .preparingRebalance)
        #expect(restored.heartbeat("app", generation: generation, memberID: members[0]) == .unknownMemberID)
    }

    @Test func unreadableRecordsNameWhereTheyAre() {
        var loader = GroupStateLoader()
        let garbage = CoordinatorRecord(key: ByteBuffer(bytes: [0, 1, 0, 9, 0x67]), value: nil)
        #expect {
            try loader.apply(garbage, partition: 7, offset: 1234)
        } throws: { error in
            "\(error)".contains("__consumer_offsets-7 at offset 1234")
        }
        // Newer kinds of keys are skipped, not fatal.
        #expect(throws: Never.self) { try loader.apply(CoordinatorRecord(key: ByteBuffer(bytes: [0, 9, 1]), value: nil), partition: 0, offset: 1) }
        #expect(loader.skippedRecords == 1)
    }
}
