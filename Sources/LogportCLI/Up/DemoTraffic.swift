import Foundation
import KafkaClient
import Logging
import ServiceLifecycle

/// `logport up --demo`: a sample web service writing varied access logs at a rate that rises and
/// falls over a minute, and a consumer group reading them, so every console page has live numbers.
struct DemoTraffic: Service {
    static let topic = "demo-web-logs"
    static let group = "demo-readers"

    let bootstrap: String
    let logger: Logger

    func run() async throws {
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: bootstrap))
        do {
            try await admin.createTopic(NewTopic(name: Self.topic, partitions: 3, replicationFactor: 1))
        } catch let error as KafkaError where error.code == .topicAlreadyExists {
            logger.debug("topic \(Self.topic) exists; appending to it")
        }
        await admin.close()

        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: bootstrap, ["linger.ms": "20"]))
        var consumerConfig = KafkaConfig(bootstrapServers: bootstrap)
        consumerConfig.groupID = Self.group
        consumerConfig.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(config: consumerConfig)
        try consumer.subscribe(topics: [Self.topic])

        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await self.read(consumer) }
            tasks.addTask { await self.write(producer) }
            await tasks.waitForAll()
        }
        await producer.close()
        try? await consumer.close()
    }

    /// Writes until the group shuts down: 20–120 lines a second following a one-minute wave.
    private func write(_ producer: KafkaProducer) async {
        let started = Date()
        try? await cancelWhenGracefulShutdown {
            var lines = LogLineGenerator(seed: UInt64(started.timeIntervalSince1970))
            while !Task.isCancelled {
                let phase = Date().timeIntervalSince(started) / 60 * 2 * .pi
                let perTick = Int(7 + 5 * sin(phase))  // ticks of 100 ms
                for _ in 0..<perTick {
                    let line = lines.line(size: 200)
                    try await producer.enqueue(ProducerMessage(topic: Self.topic, key: Array(line.prefix(12)), value: line)) { result in
                        if case .failure(let error) = result { logger.warning("demo record not delivered: \(error)") }
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Reads everything and commits every second, as a healthy consumer does.
    private func read(_ consumer: KafkaConsumer) async {
        try? await cancelWhenGracefulShutdown {
            var lastCommit = Date()
            for try await _ in consumer.messages {
                if Date().timeIntervalSince(lastCommit) >= 1 {
                    try await consumer.commit()
                    lastCommit = Date()
                }
            }
        }
    }
}
