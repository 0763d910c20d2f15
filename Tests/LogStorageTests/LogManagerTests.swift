import InMemoryLogging
import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import LogStorage

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let now = NIOLockedValueBox<Int64>(1_000_000)
    var clock: LogClock { LogClock { [now] in now.withLockedValue { $0 } } }
    func set(_ value: Int64) { now.withLockedValue { $0 = value } }
}

@Suite struct LogManagerTests {
    private func options(_ directory: TemporaryDirectory, clock: ManualClock = ManualClock(), defaults: [String: String] = [:]) -> LogManager.Options {
        var options = LogManager.Options(dataDirectory: directory.path)
        options.runsBackgroundTasks = false
        options.clock = clock.clock
        options.topicDefaults = defaults
        return options
    }

    @Test func topicsSurviveARestartWithTheirDataIdsAndConfig() throws {
        let directory = TemporaryDirectory()
        let manager = try LogManager.open(options(directory))
        let created = try manager.createTopic(name: "orders", partitions: 3, config: ["retention.ms": "1000"])
        #expect(created.partitionCount == 3)
        for index: Int32 in 0..<3 {
            #expect(FileSystem.isDirectory(FileSystem.join(directory.path, "orders-\(index)")))
        }
        let log = try #require(manager.partition(topic: "orders", index: 2))
        _ = try log.append(records: TestBatch(records: 4).bytes, leaderEpoch: 0, now: 0)
        #expect(manager.partition(topic: "orders", index: 3) == nil)
        #expect(manager.partition(topic: "missing", index: 0) == nil)
        manager.shutdown()
        #expect(throws: LogError.closed(TopicPartition(topic: "orders", partition: 2))) { try log.offsets }

        let reopened = try LogManager.open(options(directory))
        defer { reopened.shutdown() }
        #expect(reopened.topics() == [created])
        let partition = try #require(reopened.partition(topic: "orders", index: 2))
        #expect(partition.recoveryReport.cleanShutdown)
        #expect(partition.recoveryReport.actions == [])
        #expect(reopened.partition(topic: "orders", index: 0)?.recoveryReport.actions == [])
        #expect(try partition.offsets.logEndOffset == 4)
        #expect(try partition.config.retentionMs == 1000)

        let json = try #require(try FileSystem.readFile(FileSystem.join(directory.path, "topic-metadata/orders.json")))
        #expect(String(buffer: json).contains("\"id\" : \"\(created.id)\""))
    }

    @Test func aTopicAskingForCompactionIsWarnedAboutOnceCreatedOrReconfigured() throws {
        let directory = TemporaryDirectory()
        let logs = InMemoryLogHandler()
        let manager = try LogManager.open(options(directory), logger: Logger(label: "test") { _ in logs })
        var warnings: [String] { logs.entries.filter { $0.level == .warning }.map { "\($0.message)" } }
        defer { manager.shutdown() }
        _ = try manager.createTopic(name: "plain", partitions: 1, config: [:])
        #expect(warnings.isEmpty)
        _ = try manager.createTopic(name: "changelog", partitions: 1, config: ["cleanup.policy": "compact"])
        #expect(warnings.count == 1)
        #expect(warnings.last?.contains("topic changelog has cleanup.policy=compact") == true)
        try manager.setConfig(topic: "plain", config: ["cleanup.policy": "compact,delete"])
        #expect(warnings.count == 2)
        #expect(warnings.last?.contains("deleted by retention.ms/retention.bytes only") == true)
    }

    @Test func topicsAreFoundByIdUntilDeleted() throws {
        let directory = TemporaryDirectory()
        let manager = try LogManager.open(options(directory))
        defer { manager.shutdown() }
        let first = try manager.createTopic(name: "first", partitions: 1, config: [:])
        let second = try manager.createTopic(name: "second", partitions: 1, config: [:])
        #expect(manager.topic(id: first.id)?.name == "first")
        #expect(manager.topic(id: second.id)?.name == "second")
        #expect(manager.topic(id: .zero) == nil)
        try manager.deleteTopic(name: "first")
        #expect(manager.topic(id: first.id) == nil)
        #expect(manager.topic(id: second.id)?.name == "second")
    }

    @Test func deletingATopicRemovesItsFilesAndARecreatedTopicStartsEmpty() throws {
        let directory = TemporaryDirectory()
        let manager = try LogManager.open(options(directory))
        defer { manager.shutdown() }
        _ = try manager.createTopic(name: "tmp", partitions: 2, config: [:])
        let old = try #require(manager.partition(topic: "tmp", index: 0))
        _ = try old.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)

        try manager.deleteTopic(name: "tmp")
        #expect(manager.topic(named: "tmp") == nil)
        #expect(try FileSystem.contents(of: directory.path).filter { $0.hasPrefix("tmp") } == [])
        #expect(!FileSystem.exists(FileSystem.join(directory.path, "topic-metadata/tmp.json")))
        #expect(throws: LogError.closed(TopicPartition(topic: "tmp", partition: 0))) {
            try old.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
        }
        #expect(throws: LogError.unknownTopic("tmp")) { try manager.deleteTopic(name: "tmp") }

        _ = try manager.createTopic(name: "tmp", partitions: 1, config: [:])
        #expect(try manager.partition(topic: "tmp", index: 0)?.offsets.logEndOffset == 0)
    }

    @Test func partitionsOnlyGrow() throws {
        let directory = TemporaryDirectory()
        let manager = try LogManager.open(options(directory))
        _ = try manager.createTopic(name: "grow", partitions: 1, config: [:])
        try manager.addPartitions(topic: "grow", totalCount: 4)
        #expect(manager.topic(named: "grow")?.partitionCount == 4)
        #expect(manager.partition(topic: "grow", index: 3) != nil)
        #expect(throws: LogError.invalidPartitionCount(topic: "grow", requested: 2, current: 4)) {
            try manager.addPartitions(topic: "grow", totalCount: 2)
        }
        manager.shutdown()
        let reopened = try LogManager.open(options(directory))
        defer { reopened.shutdown() }
        #expect(reopened.partition(topic: "grow", index: 3) != nil)
    }

    @Test func configOverridesAreValidatedAppliedAndReported() throws {
        let directory = TemporaryDirectory()
        let manager = try LogManager.open(options(directory, defaults: ["retention.ms": "5000", "segment.bytes": "100000"]))
        defer { manager.shutdown() }
        _ = try manager.createTopic(name: "configured", partitions: 1, config: ["retention.hours": "2"])
        var effective = Dictionary(uniqueKeysWithValues: manager.effectiveConfig(topic: "configured").map { ($0.name, ($0.value, $0.isDefault)) })
        #expect(effective["retention.ms"]! == ("7200000", false))
        #expect(effective["segment.bytes"]! == ("100000", true))
        #expect(effective["max.message.bytes"]! == ("1048588", true))

        try manager.setConfig(topic: "configured", config: ["max.message.bytes": "100"])
        effective = Dictionary(uniqueKeysWithValues: manager.effectiveConfig(topic: "configured").map { ($0.name, ($0.value, $0.isDefault)) })
        #expect(effective["retention.ms"]! == ("5000", true))
        #expect(effective["max.message.bytes"]! == ("100", false))
        #expect(throws: LogError.batchTooLarge(TopicPartition(topic: "configured", partition: 0), size: 101, limit: 100, key: "max.message.bytes")) {
            try manager.partition(topic: "configured", index: 0)?.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
        }

        let bad = LogError.invalidConfig(LogConfigError(key: "retention.ms", value: "x", reason: "expected a whole number"))
        #expect(throws: bad) { try manager.validate(config: ["retention.ms": "x"]) }
        #expect(throws: bad) { try manager.setConfig(topic: "configured", config: ["retention.ms": "x"]) }
        #expect(throws: bad) { try manager.createTopic(name: "other", partitions: 1, config: ["retention.ms": "x"]) }
        #expect(bad.errorCode == .invalidConfig)
        #expect(manager.topic(named: "other") == nil)
    }

    @Test func topicNamesFollowKafkasRules() throws {
        let directory = TemporaryDirectory()
        let manager = try LogManager.open(options(directory))
        defer { manager.shutdown() }
        for name in ["", ".", "..", "a/b", "ünicode", String(repeating: "x", count: 250)] {
            #expect(throws: LogError.self) { try manager.createTopic(name: name, partitions: 1, config: [:]) }
        }
        _ = try manager.createTopic(name: "Valid_topic.name-1", partitions: 1, config: [:])
        #expect(throws: LogError.topicAlreadyExists("Valid_topic.name-1")) {
            try manager.createTopic(name: "Valid_topic.name-1", partitions: 1, config: [:])
        }
        #expect(throws: LogError.invalidPartitionCount(topic: "zero", requested: 0, current: 0)) {
            try manager.createTopic(name: "zero", partitions: 0, config: [:])
        }
    }

    @Test func startupFinishesInterruptedDeletionsAndRecreatesMissingPartitions() throws {
        let directory = TemporaryDirectory()
        do {
            let manager = try LogManager.open(options(directory))
            _ = try manager.createTopic(name: "kept", partitions: 2, config: [:])
            manager.shutdown()
        }
        try FileSystem.removeRecursively(FileSystem.join(directory.path, "kept-1"))
        for name in ["orphan-0", "kept-7", "gone-0.1234-delete"] {
            try FileSystem.createDirectory(FileSystem.join(directory.path, name))
        }
        try FileSystem.writeAtomically(FileSystem.join(directory.path, "unrelated-file"), contents: ByteBuffer(string: "keep me"))

        let manager = try LogManager.open(options(directory))
        defer { manager.shutdown() }
        #expect(try FileSystem.contents(of: directory.path) == [".lock", "kept-0", "kept-1", "topic-metadata", "unrelated-file"])
        #expect(manager.partition(topic: "kept", index: 1) != nil)
    }

    @Test func aSecondManagerCannotOpenTheSameDirectory() throws {
        let directory = TemporaryDirectory()
        let manager = try LogManager.open(options(directory))
        #expect(throws: LogError.self) { try LogManager.open(options(directory)) }
        manager.shutdown()
        try LogManager.open(options(directory)).shutdown()
    }

    @Test func maintenanceAppliesRetentionWithTheInjectedClock() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let manager = try LogManager.open(options(directory, clock: clock))
        defer { manager.shutdown() }
        _ = try manager.createTopic(name: "short", partitions: 1, config: ["retention.ms": "60000", "segment.bytes": "\(2 * TestBatch().size)"])
        let log = try #require(manager.partition(topic: "short", index: 0))
        for index in 0..<5 {
            _ = try log.append(records: TestBatch(maxTimestamp: 1_000_000 + Int64(index) * 10_000).bytes, leaderEpoch: 0, now: 1_000_000)
        }
        #expect(try log.segmentBaseOffsets == [0, 2, 4])

        clock.set(1_000_000 + 75_000)
        let report = manager.runMaintenance()
        #expect(report.deletedSegments == [TopicPartition(topic: "short", partition: 0): ["00000000000000000000.log"]])
        #expect(report.failures.isEmpty)
        #expect(try log.offsets.logStartOffset == 2)
    }

    @Test func backgroundTasksRunAndStopWithShutdown() throws {
        let directory = TemporaryDirectory()
        var options = options(directory)
        options.runsBackgroundTasks = true
        options.recoveryPointCheckpointIntervalMs = 10
        let manager = try LogManager.open(options)
        _ = try manager.createTopic(name: "ticks", partitions: 1, config: ["flush.messages": "1"])
        let log = try #require(manager.partition(topic: "ticks", index: 0))
        _ = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
        let checkpointPath = FileSystem.join(directory.path, "ticks-0/partition-checkpoint")
        try waitUntil {
            try FileSystem.readFile(checkpointPath).flatMap(PartitionCheckpoint.parse)?.recoveryPoint == 1
        }
        manager.shutdown()
        #expect(try FileSystem.readFile(checkpointPath).flatMap(PartitionCheckpoint.parse)?.cleanShutdown == true)
        manager.shutdown()
        #expect(throws: LogError.shutDown(dataDirectory: directory.path)) { try manager.createTopic(name: "late", partitions: 1, config: [:]) }
    }
}

