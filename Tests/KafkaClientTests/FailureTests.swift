import Foundation
import KafkaClient
import Testing

@Suite("Unreachable clusters and missing topics fail clearly and in time")
struct FailureTests {
    /// A port nothing listens on: bound to a socket that never listens would also do, but port 1 on
    /// loopback refuses connections on every CI machine we know.
    static let deadAddress = "127.0.0.1:1"

    @Test("admin calls to a wrong address throw within their timeout, saying the connection was refused")
    func adminWrongAddress() async throws {
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: Self.deadAddress))
        let took = try await elapsed {
            let error = try await #require(throws: KafkaError.self) { try await admin.listTopics(timeout: .seconds(2)) }
            #expect([.transport, .timedOut, .allBrokersDown].contains(error.code))
            #expect(error.description.contains(Self.deadAddress))
            #expect(error.description.lowercased().contains("refused"))
        }
        // Well past the 2 s timeout but far below a hang: CI machines run tests in parallel on 2 cores.
        #expect(took < .seconds(10))
    }

    @Test("a send to a wrong address fails after message.timeout.ms instead of hanging")
    func producerWrongAddress() async throws {
        var config = KafkaConfig(bootstrapServers: Self.deadAddress)
        config.messageTimeout = .seconds(2)
        let producer = try KafkaProducer(config: config)
        let took = try await elapsed {
            let error = try await #require(throws: KafkaError.self) {
                try await producer.send(topic: "anything", value: Array("x".utf8))
            }
            #expect(error.code == .messageTimedOut)
            #expect(error.description.contains("anything"))
        }
        #expect(took < .seconds(12))
        await producer.close(flushTimeout: .zero)
    }

    @Test("invalid configuration names the property")
    func invalidConfig() throws {
        let error = try #require(throws: KafkaError.self) {
            _ = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": "127.0.0.1:9092", "linger.ms": "soon"]))
        }
        #expect(error.code == .invalidArgument)
        #expect(error.description.contains("linger.ms=soon"))
    }

    @Test("group operations on a consumer without group.id are refused up front")
    func commitNeedsGroup() async throws {
        let consumer = try KafkaConsumer(config: try TestCluster.config())
        let error = try await #require(throws: KafkaError.self) { try await consumer.commit() }
        #expect(error.description.contains("group.id"))
        #expect(throws: KafkaError.self) { try consumer.subscribe(topics: ["logs"]) }
        try await consumer.close()
    }
}
