import GroupCoordination
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

    @Test func readsTheGroupCommitIntervalAndBoundsIt() throws {
        #expect(try BrokerConfig.parse(yaml: "node.id: 1\n").logFlushGroupCommitIntervalUs == 1_000)
        #expect(try BrokerConfig.parse(yaml: "log.flush.group.commit.interval.us: 0\n").logFlushGroupCommitIntervalUs == 0)
        #expect(try BrokerConfig.parse(yaml: "log.flush.group.commit.interval.us: 250\n").logFlushGroupCommitIntervalUs == 250)
        #expect(throws: BrokerConfigError.self) { try BrokerConfig.parse(yaml: "log.flush.group.commit.interval.us: -1\n") }
        #expect(throws: BrokerConfigError.self) { try BrokerConfig.parse(yaml: "log.flush.group.commit.interval.us: 200000\n") }
    }

    @Test func readsGroupCoordinatorSettings() throws {
        let config = try BrokerConfig.parse(yaml: """
            group.initial.rebalance.delay.ms: 0
            group.min.session.timeout.ms: 1000
            group.max.session.timeout.ms: 60000
            group.max.size: 12
            offsets.retention.minutes: 90
            offsets.retention.check.interval.ms: 5000
            offsets.topic.num.partitions: 7
            offset.metadata.max.bytes: 128
            """)
        #expect(config.groupCoordinator == GroupCoordinatorConfig(
            initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1_000, maxSessionTimeoutMs: 60_000, maxGroupSize: 12,
            offsetsRetentionMs: 5_400_000, offsetsRetentionCheckIntervalMs: 5_000, offsetsTopicPartitions: 7,
            offsetMetadataMaxBytes: 128))
    }

    @Test func groupSettingsDefaultToKafkas() throws {
        let coordinator = try BrokerConfig.parse(yaml: "node.id: 1\n").groupCoordinator
        #expect(coordinator.initialRebalanceDelayMs == 3_000)
        #expect(coordinator.minSessionTimeoutMs == 6_000)
        #expect(coordinator.maxSessionTimeoutMs == 1_800_000)
        #expect(coordinator.offsetsRetentionMs == 7 * 24 * 60 * 60 * 1_000)
        #expect(coordinator.offsetsRetentionCheckIntervalMs == 600_000)
        #expect(coordinator.offsetsTopicPartitions == 50)
        #expect(coordinator.offsetMetadataMaxBytes == 4_096)
    }

    @Test(arguments: [
        "group.initial.rebalance.delay.ms: -1",
        "group.min.session.timeout.ms: 0",
        "group.max.size: 0",
        "offsets.retention.minutes: 0",
        "offsets.topic.num.partitions: 0",
        "offset.metadata.max.bytes: -5",
        "group.max.session.timeout.ms: soon",
    ])
    func rejectsOutOfRangeGroupSettings(line: String) {
        #expect(throws: BrokerConfigError.self) { try BrokerConfig.parse(yaml: line + "\n") }
    }

    @Test func rejectsAMinSessionTimeoutAboveTheMax() {
        do {
            _ = try BrokerConfig.parse(yaml: "group.min.session.timeout.ms: 30000\ngroup.max.session.timeout.ms: 10000\n", source: "b.yaml")
            Issue.record("min session timeout above max was accepted")
        } catch {
            #expect("\(error)".contains("group.min.session.timeout.ms (30000)"))
            #expect("\(error)".contains("group.max.session.timeout.ms (10000)"))
        }
    }
}
