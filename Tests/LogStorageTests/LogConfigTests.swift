import Testing

@testable import LogStorage

@Suite struct LogConfigTests {
    @Test func defaultsAreKafkas() {
        let config = LogConfig()
        #expect(config.segmentBytes == 1_073_741_824)
        #expect(config.segmentMs == 604_800_000)
        #expect(config.retentionMs == 604_800_000)
        #expect(config.retentionBytes == -1)
        #expect(config.indexIntervalBytes == 4096)
        #expect(config.segmentIndexBytes == 10_485_760)
        #expect(config.flushMessages == .max && config.flushMs == .max)
        #expect(config.maxMessageBytes == 1_048_588)
        #expect(config.messageTimestampType == .createTime)
        #expect(config.cleanupPolicy == .delete)
        #expect(config.fileDeleteDelayMs == 60_000)
    }

    @Test func parsesEveryKeyAndReportsIt() throws {
        let config = try LogConfig([
            "segment.bytes": "1000", "segment.ms": "60000", "retention.ms": "-1", "retention.bytes": "5000",
            "index.interval.bytes": "10", "segment.index.bytes": "800", "flush.messages": "3", "flush.ms": "100",
            "max.message.bytes": "999", "message.timestamp.type": "LogAppendTime", "cleanup.policy": "compact,delete",
            "file.delete.delay.ms": "0", "compression.type": "zstd",
        ])
        let settings = Dictionary(uniqueKeysWithValues: config.settings.map { ($0.name, $0.value) })
        #expect(settings["segment.bytes"] == "1000")
        #expect(settings["segment.ms"] == "60000")
        #expect(settings["retention.ms"] == "-1")
        #expect(settings["retention.bytes"] == "5000")
        #expect(settings["index.interval.bytes"] == "10")
        #expect(settings["segment.index.bytes"] == "800")
        #expect(settings["flush.messages"] == "3")
        #expect(settings["flush.ms"] == "100")
        #expect(settings["max.message.bytes"] == "999")
        #expect(settings["message.timestamp.type"] == "LogAppendTime")
        #expect(settings["cleanup.policy"] == "compact,delete")
        #expect(settings["file.delete.delay.ms"] == "0")
        #expect(settings["compression.type"] == "zstd")
        #expect(settings["min.insync.replicas"] == "1")
        #expect(settings["retention.hours"] == nil)
        #expect(config.maxOffsetIndexEntries == 100)
    }

    @Test func finerUnitsWinAsInKafka() throws {
        #expect(try LogConfig(["retention.hours": "2"]).retentionMs == 7_200_000)
        #expect(try LogConfig(["retention.hours": "2", "retention.minutes": "3"]).retentionMs == 180_000)
        #expect(try LogConfig(["retention.hours": "2", "retention.minutes": "3", "retention.ms": "7"]).retentionMs == 7)
        #expect(try LogConfig(["retention.hours": "-1"]).retentionMs == -1)
        #expect(try LogConfig(["segment.hours": "1"]).segmentMs == 3_600_000)
    }

    @Test func errorsNameTheKeyAndTheValue() {
        #expect(throws: LogConfigError(key: "retention.ms", value: "soon", reason: "expected a whole number")) {
            try LogConfig(["retention.ms": "soon"])
        }
        #expect(throws: LogConfigError(key: "segment.bytes", value: "3000000000", reason: "must be between 14 and 2147483647")) {
            try LogConfig(["segment.bytes": "3000000000"])
        }
        #expect(throws: LogConfigError(key: "message.timestamp.type", value: "Now", reason: "expected CreateTime or LogAppendTime")) {
            try LogConfig(["message.timestamp.type": "Now"])
        }
        #expect(throws: LogConfigError(key: "cleanup.policy", value: "delete,archive", reason: "expected delete, compact or compact,delete")) {
            try LogConfig(["cleanup.policy": "delete,archive"])
        }
        #expect(throws: LogConfigError(key: "retention.msec", value: "5", reason: "unknown topic config")) {
            try LogConfig(["retention.msec": "5"])
        }
        #expect(
            LogConfigError(key: "flush.ms", value: "-5", reason: "must be between 0 and 9223372036854775807").description
                == "invalid value '-5' for topic config 'flush.ms': must be between 0 and 9223372036854775807")
    }

    @Test func overridesApplyOnTopOfBrokerDefaults() throws {
        let brokerDefaults = try LogConfig(["retention.ms": "1000", "segment.bytes": "5000"])
        let topic = try brokerDefaults.applying(["segment.bytes": "7000"])
        #expect(topic.retentionMs == 1000)
        #expect(topic.segmentBytes == 7000)
    }
}
