import Testing

@testable import Broker

@Suite struct BrokerConfigTests {
    @Test func readsKafkaPropertyNames() throws {
        let config = try BrokerConfig.parse(yaml: """
            node.id: 3
            listeners: PLAINTEXT://127.0.0.1:19092
            auto.create.topics.enable: false
            num.partitions: 6
            log:
              retention.ms: 60000
              segment.bytes: 1048576
            """)
        #expect(config.nodeID == 3)
        #expect(config.listenHost == "127.0.0.1")
        #expect(config.listenPort == 19092)
        #expect(config.autoCreateTopics == false)
        #expect(config.defaultPartitions == 6)
        #expect(config.topicDefaults["retention.ms"] == "60000")
        #expect(config.topicDefaults["segment.bytes"] == "1048576")
    }

    @Test func namesTheLineAndKeyOfABadValue() {
        do {
            _ = try BrokerConfig.parse(yaml: "node.id: 1\nnum.partitions: lots\n", source: "broker.yaml")
            Issue.record("a non-numeric num.partitions was accepted")
        } catch {
            #expect("\(error)".contains("broker.yaml:2"))
            #expect("\(error)".contains("num.partitions"))
        }
    }

    @Test func rejectsUnknownKeysInsteadOfIgnoringThem() {
        #expect(throws: BrokerConfigError.self) { try BrokerConfig.parse(yaml: "log.retention.msec: 5\n") }
    }
}
