import Foundation
import KafkaClient
import KafkaTestSupport
import NIOConcurrencyHelpers
import Testing

/// Consumer-group behaviour, run against librdkafka's mock cluster and, when it serves groups,
/// against the logport broker. The broker variants are skipped (reported as skipped, never passed)
/// while the broker lacks the group APIs.
@Suite("Consumer groups")
struct GroupTests {
    /// Where a scenario runs: a bootstrap address and a way to create a topic there.
    struct Cluster: Sendable {
        let bootstrap: String
        let createTopic: @Sendable (String, Int32) async throws -> Void

        func config(_ properties: [String: String] = [:]) -> KafkaConfig {
            KafkaConfig(bootstrapServers: bootstrap, properties)
        }

        /// The logport broker (or LOGPORT_TEST_BOOTSTRAP).
        static func broker() throws -> Cluster {
            Cluster(bootstrap: try TestCluster.bootstrap) { name, partitions in
                _ = try await KafkaClientTests.createTopic(name, partitions: partitions)
            }
        }
    }

    static func withMock(_ body: (Cluster) async throws -> Void) async throws {
        let mock = try MockCluster()
        try await body(Cluster(bootstrap: mock.bootstrap) { name, partitions in try mock.createTopic(name, partitions: partitions) })
        withExtendedLifetime(mock) {}
    }

    // MARK: Scenarios

    @Test("two members split the partitions (eager), and every record is read once", arguments: ["range", "cooperative-sticky"])
    func twoMembersOnMock(strategy: String) async throws {
        try await Self.withMock { try await Self.twoMembers($0, strategy: strategy) }
    }

    @Test("two members split the partitions on the logport broker", .enabled("the broker serves consumer groups") { await TestCluster.supportsConsumerGroups() },
          arguments: ["range", "cooperative-sticky"])
    func twoMembersOnBroker(strategy: String) async throws {
        try await Self.twoMembers(try Cluster.broker(), strategy: strategy)
    }

    @Test("commit of a specific offset: committed offset and lag = end − committed")
    func commitAndLagOnMock() async throws {
        try await Self.withMock { try await Self.commitAndLag($0, viaGroupDescription: false) }
    }

    @Test("commit and lag on the logport broker", .enabled("the broker serves consumer groups") { await TestCluster.supportsConsumerGroups() })
    func commitAndLagOnBroker() async throws {
        try await Self.commitAndLag(try Cluster.broker(), viaGroupDescription: true)
    }

    @Test("metadata committed beside an offset is read back with it, by another member too",
          .enabled("the broker serves consumer groups") { await TestCluster.supportsConsumerGroups() })
    func commitMetadataOnBroker() async throws {
        let cluster = try Cluster.broker()
        let topic = TestCluster.uniqueTopic("metadata")
        let group = "metadata-\(UUID().uuidString.prefix(8))"
        try await cluster.createTopic(topic, 2)
        let (first, second) = (TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1))
        let config = cluster.config(["group.id": group, "enable.auto.commit": "false"])
        let member = try KafkaConsumer(config: config)
        try await member.commit(positions: [first: CommitPosition(offset: 7, metadata: #"{"restore":3}"#), second: CommitPosition(offset: 2)])
        try await member.close()
        let next = try KafkaConsumer(config: config)
        #expect(try await next.committedPositions([first, second])
                == [first: CommitPosition(offset: 7, metadata: #"{"restore":3}"#), second: CommitPosition(offset: 2)])
        #expect(try await next.committed([first]) == [first: 7])
        try await next.close()
    }

    @Test("a message taken before a seek carries a lower read generation than those after it")
    func seekGenerationOnMock() async throws {
        try await Self.withMock { cluster in
            let topic = TestCluster.uniqueTopic("generation")
            try await cluster.createTopic(topic, 1)
            let partition = TopicPartition(topic: topic, partition: 0)
            try await Self.produce(10, to: topic, on: cluster)
            let consumer = try KafkaConsumer(config: cluster.config(["group.id": "generation", "enable.auto.commit": "false",
                                                                    "auto.offset.reset": "earliest"]))
            try consumer.subscribe(topics: [topic])
            let before = try await collect(3, from: consumer)
            let generation = try await consumer.seek(partition, to: KafkaOffset(1))
            let after = try await collect(2, from: consumer)
            #expect(before.allSatisfy { $0.readGeneration < generation })
            #expect(after.map(\.offset) == [1, 2])
            #expect(after.allSatisfy { $0.readGeneration >= generation })
            try await consumer.close()
        }
    }

    @Test("commit() covers exactly the records the application took, not the buffered ones")
    func commitCoversTakenRecordsOnMock() async throws {
        try await Self.withMock { try await Self.commitCoversTakenRecords($0) }
    }

    @Test("commit() covers taken records on the logport broker", .enabled("the broker serves consumer groups") { await TestCluster.supportsConsumerGroups() })
    func commitCoversTakenRecordsOnBroker() async throws {
        try await Self.commitCoversTakenRecords(try Cluster.broker())
    }

    @Test("an offset reset plan moves an inactive group's offsets to the earliest")
    func resetOffsetsOnMock() async throws {
        try await Self.withMock { try await Self.resetOffsets($0, viaGroupDescription: false) }
    }

    @Test("reset-offsets on the logport broker moves an inactive group's offsets", .enabled("the broker serves consumer groups") { await TestCluster.supportsConsumerGroups() })
    func resetOffsetsOnBroker() async throws {
        try await Self.resetOffsets(try Cluster.broker(), viaGroupDescription: true)
    }

    // MARK: Bodies

    static func twoMembers(_ cluster: Cluster, strategy: String) async throws {
        let topic = TestCluster.uniqueTopic("group-\(strategy)")
        let group = "group-\(UUID().uuidString.prefix(8))"
        try await cluster.createTopic(topic, 4)
        let all = Set((0..<4).map { TopicPartition(topic: topic, partition: $0) })
        func member() throws -> (KafkaConsumer, AssignmentTracker) {
            let consumer = try KafkaConsumer(config: cluster.config([
                "group.id": group, "partition.assignment.strategy": strategy, "auto.offset.reset": "earliest",
                "session.timeout.ms": "6000", "heartbeat.interval.ms": "500",
            ]))
            return (consumer, AssignmentTracker(consumer))
        }
        let (first, firstAssignment) = try member()
        try first.subscribe(topics: [topic])
        try await firstAssignment.wait { $0 == all }
        let (second, secondAssignment) = try member()
        try second.subscribe(topics: [topic])
        try await secondAssignment.wait { !$0.isEmpty }
        try await firstAssignment.wait { $0.count == 2 }
        let split = (firstAssignment.current, secondAssignment.current)
        #expect(split.0.isDisjoint(with: split.1))
        #expect(split.0.union(split.1) == all)
        if strategy == "cooperative-sticky" {
            // Incremental: the first member only ever gave up the two partitions that moved.
            #expect(firstAssignment.revocations.allSatisfy { $0.count == 2 })
        } else {
            #expect(firstAssignment.revocations.contains { Set($0) == all })
        }

        let producer = try KafkaProducer(config: cluster.config())
        for index in 0..<200 {
            try await producer.enqueue(ProducerMessage(topic: topic, key: Array("key-\(index)".utf8), value: Array("record \(index)".utf8))) { _ in }
        }
        try await producer.flush(timeout: .seconds(10))
        await producer.close()

        let seen = NIOLockedValueBox<[String]>([])
        try await withThrowingTaskGroup(of: Void.self) { readers in
            for (consumer, assigned) in [(first, split.0), (second, split.1)] {
                readers.addTask {
                    for try await message in consumer.messages {
                        #expect(assigned.contains(message.topicPartition))
                        let done = seen.withLockedValue { seen in
                            seen.append(String(decoding: message.value ?? [], as: UTF8.self))
                            return seen.count >= 200
                        }
                        if done { return }
                    }
                }
            }
            readers.addTask {
                try await Task.sleep(for: .seconds(20))
                throw TestSetupError("records did not all arrive within 20 s")
            }
            while seen.withLockedValue({ $0.count }) < 200 { _ = try await readers.next() }
            readers.cancelAll()
        }
        let records = seen.withLockedValue { $0 }
        #expect(records.count == 200)
        #expect(Set(records) == Set((0..<200).map { "record \($0)" }))
        try await first.close()
        try await second.close()
    }

    static func commitAndLag(_ cluster: Cluster, viaGroupDescription: Bool) async throws {
        let topic = TestCluster.uniqueTopic("lag")
        let group = "lag-\(UUID().uuidString.prefix(8))"
        try await cluster.createTopic(topic, 1)
        let partition = TopicPartition(topic: topic, partition: 0)
        try await produce(10, to: topic, on: cluster)

        let consumer = try KafkaConsumer(config: cluster.config(["group.id": group, "enable.auto.commit": "false", "auto.offset.reset": "earliest"]))
        try consumer.subscribe(topics: [topic])
        let records = try await collect(10, from: consumer)
        try await consumer.commit(records[6])
        #expect(try await consumer.committed([partition]) == [partition: 7])

        let admin = try KafkaAdmin(config: cluster.config())
        // librdkafka's mock answers OffsetFetch only for named partitions; a real broker lists all.
        let asked = viaGroupDescription ? nil : [partition]
        #expect(try await admin.committedOffsets(group: group, partitions: asked) == [partition: 7])
        let end = try await admin.watermarkOffsets(partition).high
        #expect(end == 10)
        if viaGroupDescription {
            let lag = try await admin.consumerGroupLag(group: group)
            #expect(lag.map(\.topicPartition) == [partition])
            #expect(lag.first?.committedOffset == 7)
            #expect(lag.first?.endOffset == 10)
            #expect(lag.first?.lag == 3)
            #expect(lag.first?.member != nil)
        }
        try await consumer.commit([partition: 9])
        #expect(try await admin.committedOffsets(group: group, partitions: asked) == [partition: 9])
        try await consumer.close()
    }

    static func commitCoversTakenRecords(_ cluster: Cluster) async throws {
        let topic = TestCluster.uniqueTopic("taken")
        let group = "taken-\(UUID().uuidString.prefix(8))"
        try await cluster.createTopic(topic, 1)
        let partition = TopicPartition(topic: topic, partition: 0)
        try await produce(10, to: topic, on: cluster)
        let consumer = try KafkaConsumer(config: cluster.config(["group.id": group, "enable.auto.commit": "false", "auto.offset.reset": "earliest"]))
        try consumer.subscribe(topics: [topic])
        let taken = try await collect(5, from: consumer)
        #expect(taken.map(\.offset) == [0, 1, 2, 3, 4])
        // Give the poll thread time to buffer the other five, which must not count as consumed.
        try await Task.sleep(for: .milliseconds(300))
        try await consumer.commit()
        #expect(try await consumer.committed([partition]) == [partition: 5])
        try await consumer.close()
    }

    static func resetOffsets(_ cluster: Cluster, viaGroupDescription: Bool) async throws {
        let topic = TestCluster.uniqueTopic("reset")
        let group = "reset-\(UUID().uuidString.prefix(8))"
        try await cluster.createTopic(topic, 2)
        try await produce(20, to: topic, on: cluster)
        let consumer = try KafkaConsumer(config: cluster.config(["group.id": group, "auto.offset.reset": "earliest"]))
        let partitions = [0, 1].map { TopicPartition(topic: topic, partition: $0) }
        if viaGroupDescription {
            try consumer.subscribe(topics: [topic])
        } else {
            // librdkafka's mock refuses offset changes for a group that ever had members (real
            // brokers accept them once the group is empty), so the mock variant only commits.
            try await consumer.assign(Dictionary(uniqueKeysWithValues: partitions.map { ($0, KafkaOffset.beginning) }))
        }
        _ = try await collect(20, from: consumer)
        try await consumer.commit()
        try await consumer.close()

        let admin = try KafkaAdmin(config: cluster.config())
        let asked = viaGroupDescription ? nil : partitions
        let before = try await admin.committedOffsets(group: group, partitions: asked)
        #expect(before.values.reduce(0, +) == 20)
        let plan = try await admin.planOffsetReset(group: group, topic: topic, to: .earliest)
        #expect(plan.map(\.newOffset) == [0, 0])
        #expect(plan.map(\.currentOffset) == plan.map { before[$0.topicPartition] })
        try await admin.alterConsumerGroupOffsets(group: group, offsets: Dictionary(uniqueKeysWithValues: plan.map { ($0.topicPartition, $0.newOffset) }))
        #expect(try await admin.committedOffsets(group: group, partitions: asked) == Dictionary(uniqueKeysWithValues: plan.map { ($0.topicPartition, 0) }))
        if viaGroupDescription {
            let lag = try await admin.consumerGroupLag(group: group)
            #expect(lag.compactMap(\.lag).reduce(0, +) == 20)
        }
    }

    static func produce(_ count: Int, to topic: String, on cluster: Cluster) async throws {
        let producer = try KafkaProducer(config: cluster.config())
        for index in 0..<count {
            try await producer.enqueue(ProducerMessage(topic: topic, value: Array("record \(index)".utf8))) { _ in }
        }
        try await producer.flush(timeout: .seconds(10))
        await producer.close()
    }
}

/// Follows a consumer's rebalance events: its current assignment and every revocation.
final class AssignmentTracker: Sendable {
    private struct State {
        var current: Set<TopicPartition> = []
        var revocations: [[TopicPartition]] = []
    }

    private let state = NIOLockedValueBox(State())
    private let watcher: Task<Void, Never>

    init(_ consumer: KafkaConsumer) {
        let state = state
        watcher = Task {
            for await event in consumer.events {
                state.withLockedValue { state in
                    switch event {
                    case .partitionsAssigned(let added): state.current.formUnion(added)
                    case .partitionsRevoked(let removed, _):
                        state.current.subtract(removed)
                        state.revocations.append(removed)
                    default: break
                    }
                }
            }
        }
    }

    deinit { watcher.cancel() }

    var current: Set<TopicPartition> { state.withLockedValue { $0.current } }
    var revocations: [[TopicPartition]] { state.withLockedValue { $0.revocations } }

    /// Waits until the assignment satisfies `condition`. Group membership advances only while the
    /// consumer polls, which its poll thread does on its own.
    func wait(timeout: Duration = .seconds(30), until condition: (Set<TopicPartition>) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(current) {
            guard ContinuousClock.now < deadline else { throw TestSetupError("assignment is \(current.sorted()) after \(timeout)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
