import Foundation
import KafkaClient
import KafkaTestSupport
import NIOConcurrencyHelpers
import Testing

/// A consumer created with a revocation timeout keeps partitions the group takes away until its owner
/// finishes the revocation: the owner can still commit them, and the next member gets them only after.
@Suite("Held revocations")
struct HeldRevocationTests {
    @Test("a held revocation waits for the owner (librdkafka mock)", arguments: ["range", "cooperative-sticky"])
    func heldOnMock(strategy: String) async throws {
        // librdkafka's mock refuses commits while a rebalance is in progress (Kafka accepts them from the
        // current generation until the group completes the rebalance), so only the broker variant checks those.
        try await GroupTests.withMock { try await Self.heldRevocation($0, strategy: strategy, checksCommit: false) }
    }

    @Test("a held revocation waits for the owner (logport broker)",
          .enabled("the broker serves consumer groups") { await TestCluster.supportsConsumerGroups() },
          arguments: ["range", "cooperative-sticky"])
    func heldOnBroker(strategy: String) async throws {
        try await Self.heldRevocation(try GroupTests.Cluster.broker(), strategy: strategy, checksCommit: true)
    }

    @Test("an unfinished revocation is given up after the timeout (librdkafka mock)")
    func timeoutOnMock() async throws {
        try await GroupTests.withMock { cluster in
            let topic = TestCluster.uniqueTopic("held-timeout")
            let group = "held-timeout-\(UUID().uuidString.prefix(8))"
            try await cluster.createTopic(topic, 2)
            let first = try Self.member(cluster, group: group, strategy: "range", revocationTimeout: .seconds(2))
            let announced = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
            let revokedAt = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
            let watcher = Task {
                for await event in first.events {
                    if case .partitionsRevoking = event { announced.withLockedValue { $0 = $0 ?? .now } }
                    if case .partitionsRevoked(let partitions, _) = event, !partitions.isEmpty {
                        revokedAt.withLockedValue { $0 = $0 ?? .now }
                    }
                }
            }
            try first.subscribe(topics: [topic])
            try await Self.waitFor("the first member's assignment") { try await first.assignment().count == 2 }
            let second = try Self.member(cluster, group: group, strategy: "range", revocationTimeout: nil)
            try second.subscribe(topics: [topic])
            try await Self.waitFor("the revocation to complete") { revokedAt.withLockedValue { $0 } != nil }
            let held = try #require(announced.withLockedValue { $0 }).duration(to: try #require(revokedAt.withLockedValue { $0 }))
            #expect(held >= .milliseconds(1900), "revocation completed after \(held), before the 2 s timeout")
            try await second.close()
            try await first.close()
            watcher.cancel()
        }
    }

    @Test("the revocation timeout must stay below max.poll.interval.ms")
    func timeoutValidation() throws {
        let config = KafkaConfig(bootstrapServers: "127.0.0.1:1", ["group.id": "g", "max.poll.interval.ms": "60000"])
        #expect(throws: KafkaError.self) { try KafkaConsumer(config: config, revocationTimeout: .seconds(60)) }
        #expect(throws: KafkaError.self) { try KafkaConsumer(config: KafkaConfig(bootstrapServers: "127.0.0.1:1"), revocationTimeout: .seconds(1)) }
        _ = try KafkaConsumer(config: config, revocationTimeout: .seconds(59))
    }

    static func member(_ cluster: GroupTests.Cluster, group: String, strategy: String, revocationTimeout: Duration?) throws -> KafkaConsumer {
        try KafkaConsumer(config: cluster.config([
            "group.id": group, "partition.assignment.strategy": strategy, "auto.offset.reset": "earliest",
            "enable.auto.commit": "false", "session.timeout.ms": "6000", "heartbeat.interval.ms": "500",
        ]), revocationTimeout: revocationTimeout)
    }

    static func heldRevocation(_ cluster: GroupTests.Cluster, strategy: String, checksCommit: Bool) async throws {
        let topic = TestCluster.uniqueTopic("held-\(strategy)")
        let group = "held-\(UUID().uuidString.prefix(8))"
        try await cluster.createTopic(topic, 4)
        try await GroupTests.produce(40, to: topic, on: cluster)
        let first = try member(cluster, group: group, strategy: strategy, revocationTimeout: .seconds(20))

        // The owner's side: on a revocation, check it still owns the partitions, commit them while held,
        // then finish a second later.
        struct Observed: Sendable {
            var heldPartitions: [TopicPartition] = []
            var stillAssignedWhileHeld = true
            var finishedAt: ContinuousClock.Instant?
            var revokedAfterFinish = true
            var commitError: String?
        }
        let observed = NIOLockedValueBox(Observed())
        let owner = Task {
            for await event in first.events {
                switch event {
                case .partitionsRevoking(let revocation):
                    let assigned = Set((try? await first.assignment()) ?? [])
                    var commitError: String?
                    do { try await first.commit() } catch { commitError = "\(error)" }
                    try? await Task.sleep(for: .seconds(1))
                    observed.withLockedValue { state in
                        state.heldPartitions += revocation.partitions
                        state.stillAssignedWhileHeld = state.stillAssignedWhileHeld && assigned.isSuperset(of: revocation.partitions)
                        state.finishedAt = .now
                        state.commitError = state.commitError ?? commitError
                    }
                    revocation.finish()
                case .partitionsRevoked(let partitions, _) where !partitions.isEmpty:
                    observed.withLockedValue { $0.revokedAfterFinish = $0.revokedAfterFinish && $0.finishedAt != nil }
                default:
                    break
                }
            }
        }
        try first.subscribe(topics: [topic])
        var positions: [TopicPartition: Int64] = [:]
        var taken = 0
        for try await message in first.messages {
            positions[message.topicPartition] = message.offset + 1
            taken += 1
            if taken == 40 { break }
        }

        let second = try member(cluster, group: group, strategy: strategy, revocationTimeout: nil)
        try second.subscribe(topics: [topic])
        try await waitFor("the second member's assignment") { try await !second.assignment().isEmpty }
        let secondAssignedAt = ContinuousClock.now
        let state = observed.withLockedValue { $0 }
        let finishedAt = try #require(state.finishedAt, "the first member never saw a held revocation")
        #expect(finishedAt < secondAssignedAt)
        #expect(state.stillAssignedWhileHeld)
        #expect(state.revokedAfterFinish)
        let moved = try await second.assignment()
        #expect(Set(state.heldPartitions).isSuperset(of: moved))
        if checksCommit {
            // The commit made while the revocation was held landed, so the next owner resumes after the taken records.
            #expect(state.commitError == nil)
            let committed = try await second.committed(moved)
            #expect(committed == positions.filter { moved.contains($0.key) })
        }
        try await second.close()
        try await first.close()
        owner.cancel()
    }

    static func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw TestSetupError("\(what) did not happen within \(timeout)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
