import Foundation
import KafkaClient
import NIOConcurrencyHelpers
import Testing

@Suite("Producer backpressure and delivery callbacks")
struct ProducerBackpressureTests {
    @Test("a queue far smaller than the burst makes enqueue wait; every record is delivered exactly once")
    func queueFullWaitsNeverDrops() async throws {
        let topic = TestCluster.uniqueTopic("backpressure")
        let admin = try await createTopic(topic, partitions: 2)
        var config = try TestCluster.config()
        config["queue.buffering.max.messages"] = "100"
        let producer = try KafkaProducer(config: config)
        let count = 5000
        let delivered = NIOLockedValueBox<[Int: DeliveryReport]>([:])
        let failures = NIOLockedValueBox<[KafkaError]>([])
        for index in 0..<count {
            let message = ProducerMessage(topic: topic, key: Array("k\(index % 10)".utf8), value: Array("record \(index)".utf8))
            try await producer.enqueue(message) { result in
                switch result {
                case .success(let report): delivered.withLockedValue { $0[index] = report }
                case .failure(let error): failures.withLockedValue { $0.append(error) }
                }
            }
        }
        try await producer.flush(timeout: .seconds(30))
        #expect(producer.outstandingCount == 0)
        #expect(failures.withLockedValue { $0 }.isEmpty)
        let reports = delivered.withLockedValue { $0 }
        #expect(reports.count == count)
        // Offsets per partition are dense: nothing was lost or duplicated.
        for partition in Int32(0)...1 {
            let offsets = reports.values.filter { $0.partition == partition }.map(\.offset).sorted()
            #expect(offsets == Array(0..<Int64(offsets.count)))
        }
        let marks = try await admin.watermarkOffsets(topic: topic)
        #expect(marks.values.map(\.high).reduce(0, +) == Int64(count))
        await producer.close()
        try await admin.deleteTopics([topic])
    }

    @Test("close fails undeliverable messages with a purge error instead of leaving callbacks hanging")
    func closePurges() async throws {
        var config = KafkaConfig(bootstrapServers: FailureTests.deadAddress)
        config.messageTimeout = .seconds(60)
        let producer = try KafkaProducer(config: config)
        let results = NIOLockedValueBox<[Result<DeliveryReport, KafkaError>]>([])
        for index in 0..<10 {
            try await producer.enqueue(ProducerMessage(topic: "nowhere", value: Array("\(index)".utf8))) { result in
                results.withLockedValue { $0.append(result) }
            }
        }
        await producer.close(flushTimeout: .milliseconds(200))
        let outcomes = results.withLockedValue { $0 }
        #expect(outcomes.count == 10)
        for outcome in outcomes {
            guard case .failure(let error) = outcome else {
                Issue.record("a message to a dead address was reported delivered")
                continue
            }
            #expect(error.code.name.hasPrefix("_PURGE"))
        }
        let error = try await #require(throws: KafkaError.self) {
            try await producer.send(topic: "nowhere", value: [1])
        }
        #expect(error.description.contains("closed"))
    }
}
