import Foundation
import KafkaClient
import KafkaTestSupport
import Testing

/// Creates a topic and waits until its partitions have leaders, so a test can produce at once.
func createTopic(_ name: String, partitions: Int32 = 1, config: [String: String] = [:]) async throws -> KafkaAdmin {
    let admin = try KafkaAdmin(config: try TestCluster.config())
    try await admin.createTopic(NewTopic(name: name, partitions: partitions, replicationFactor: 1, config: config))
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if let topic = try? await admin.describeTopic(name), topic.partitions.count == Int(partitions),
            topic.partitions.allSatisfy({ $0.leader >= 0 })
        {
            return admin
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestSetupError("topic \(name) has no leaders after 10 s")
}

/// Reads `count` records from the consumer, failing the test if they take longer than `timeout`.
func collect(_ count: Int, from consumer: KafkaConsumer, timeout: Duration = .seconds(20)) async throws -> [ConsumedMessage] {
    try await withThrowingTaskGroup(of: [ConsumedMessage].self) { group in
        group.addTask {
            var received: [ConsumedMessage] = []
            for try await message in consumer.messages {
                received.append(message)
                if received.count == count { break }
            }
            return received
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TestSetupError("timed out after \(timeout) waiting for \(count) records")
        }
        defer { group.cancelAll() }
        return try await group.next() ?? []
    }
}

/// How long `body` took.
func elapsed(_ body: () async throws -> Void) async rethrows -> Duration {
    let start = ContinuousClock.now
    try await body()
    return ContinuousClock.now - start
}
