import Logging
import Testing
@testable import StreamProcessing

@Suite struct PipelineRunnerTests {
    static let partition = TopicPartition(topic: "logs", partition: 0)
    static let definition = PipelineDefinition(
        name: "runner", source: SourceSpec(topics: ["logs"], groupID: "g"),
        transforms: [.parseJSON(field: "message")],
        aggregations: [WindowedAggregationSpec(name: "n", window: tumbling(1000), groupBy: ["k"],
                                               columns: [AggregateColumn(name: "count", function: .count)], allowedLatenessMillis: 500)],
        alerts: [AlertRuleSpec(name: "many", source: .column(aggregation: "n", column: "count"), condition: .threshold(.greaterThan, 1))])

    /// Fifty records, one every 300 ms of event time, alternating keys; polled five at a time.
    static let records: [SourceRecord] = (0..<50).map { offset in
        jsonRecord(partition, offset: Int64(offset), timeMillis: Int64(offset) * 300, #"{"k":"\#(offset % 2 == 0 ? "a" : "b")"}"#)
    }

    static func runner(source: InMemorySource, log: OperationLog, checkpoints: RecordingCheckpoints, failFlush: Bool = false,
                       sinks: [any Sink] = []) throws -> PipelineRunner<PipelineProcessor> {
        PipelineRunner(name: "source", pipeline: definition.name, stage: try PipelineProcessor(definition: definition), source: source,
                       checkpoints: checkpoints, sinks: [LoggingSink(log: log, failFlush: failFlush)] + sinks,
                       checkpointIntervalMillis: .max, clock: { 0 }, logger: Logger(label: "test"))
    }

    @Test func checkpointsAreSavedOnlyAfterSinksFlushed() async throws {
        let log = OperationLog()
        let checkpoints = RecordingCheckpoints(log: log)
        let runner = try Self.runner(source: InMemorySource(records: Array(Self.records.prefix(10)), partitions: [Self.partition]),
                                     log: log, checkpoints: checkpoints)
        try await runner.start()
        try await runner.step()
        try await runner.step()
        try await runner.checkpoint()
        #expect(await log.entries == ["prepare", "assigned [\"logs/0\"]", "accept logs/0:0-4", "accept logs/0:5-9", "flush", "commit logs/0=10"])
        #expect(await checkpoints.saves == [[Self.partition: 10]])
    }

    @Test func aFailedFlushSavesNoCheckpoint() async throws {
        let log = OperationLog()
        let checkpoints = RecordingCheckpoints(log: log)
        let runner = try Self.runner(source: InMemorySource(records: Self.records, partitions: [Self.partition]),
                                     log: log, checkpoints: checkpoints, failFlush: true)
        try await runner.start()
        try await runner.step()
        await #expect(throws: ClickHouseError.self) { try await runner.checkpoint() }
        #expect(await log.entries.last == "flush")
        #expect(await checkpoints.saves.isEmpty)
    }

    @Test func anotherRunnerResumesFromTheCheckpointAsIfUninterrupted() async throws {
        let log = OperationLog()
        let publisher = RecordingPublisher()
        let exchange = Exchange(topic: Self.definition.exchangeTopic, partitionCount: 1)
        func partialsSink() -> ExchangeSink { ExchangeSink(exchange: exchange, publisher: publisher) }
        let uninterrupted = try Self.runner(source: InMemorySource(records: Self.records, partitions: [Self.partition]), log: log,
                                            checkpoints: RecordingCheckpoints(log: log), sinks: [partialsSink()])
        try await uninterrupted.start()
        var expected: [WindowPartial] = []
        for _ in 0..<10 { expected += try await uninterrupted.step().partials }

        let checkpoints = RecordingCheckpoints(log: log)
        let first = try Self.runner(source: InMemorySource(records: Self.records, partitions: [Self.partition]), log: log,
                                    checkpoints: checkpoints)
        try await first.start()
        for _ in 0..<4 { try await first.step() }
        try await first.checkpoint()
        let committed = try #require(await checkpoints.saved[Self.partition]?.offset)
        #expect(committed == 20)

        // The group gives the partition to another member: it reads again from the oldest open window
        // and, from the committed offset on, sends exactly what the first would have.
        let replay = InMemorySource(records: Self.records, partitions: [Self.partition])
        let second = try Self.runner(source: replay, log: log, checkpoints: checkpoints)
        try await second.start()
        var actual: [WindowPartial] = []
        for _ in 0..<10 { actual += try await second.step().partials }
        let seek = try #require(await replay.seeks.first?[Self.partition])
        #expect(seek < committed)
        #expect(actual == expected.filter { $0.coveredOffset > committed })
        #expect(!actual.isEmpty)
        #expect(await publisher.records.count > 0)
    }

    @Test func notifierFailuresAreCountedWithoutStoppingThePipeline() async throws {
        var pipeline = try TwoStagePipeline(definition: Self.definition, owners: [[Self.partition]], partialsPartitions: 1)
        pipeline.process(Self.records, owners: [[Self.partition]])
        let log = OperationLog()
        let transport = ScriptedTransport(statuses: Array(repeating: 502, count: 20))
        var merge = MergeProcessor(definition: Self.definition)
        merge.updateSourcePartitions([Self.partition])
        let partials = pipeline.topic.topicPartitions
        let runner = PipelineRunner(name: "merge", pipeline: Self.definition.name, stage: merge,
                                    source: InMemorySource(records: pipeline.topic.records(from: [:]), partitions: partials, batchSize: 100),
                                    checkpoints: RecordingCheckpoints(log: log), sinks: [],
                                    notifiers: [WebhookNotifier(url: "http://hooks.local/a", transport: transport)],
                                    checkpointIntervalMillis: .max, clock: { 0 }, logger: Logger(label: "test"))
        try await runner.start()
        var alerts = 0
        for _ in 0..<5 { alerts += try await runner.step().alerts.count }
        #expect(alerts > 0)
        #expect(await runner.metrics.notifierFailures > 0)
        #expect(await transport.requests.count == Int(await runner.metrics.notifierFailures))
    }

    @Test func aRevocationCheckpointsAtOnceAndARejectedCommitDoesNotStopThePipeline() async throws {
        let log = OperationLog()
        let source = InMemorySource(records: Array(Self.records.prefix(15)), partitions: [Self.partition])
        let runner = try Self.runner(source: source, log: log, checkpoints: RecordingCheckpoints(log: log, rejects: true))
        try await runner.start()
        try await runner.step()
        await source.reassign([])
        try await runner.step()
        #expect(await log.entries == ["prepare", "assigned [\"logs/0\"]", "accept logs/0:0-4", "flush", "commit rejected", "accept "])
        #expect(await runner.metrics.commitFailures == 1)
        #expect(await runner.metrics.rebalances == 1)
    }

    @Test func aPartitionThatComesBackResumesWhereTheProcessorLeftIt() async throws {
        let log = OperationLog()
        let source = InMemorySource(records: Self.records, partitions: [Self.partition])
        let runner = try Self.runner(source: source, log: log, checkpoints: RecordingCheckpoints(log: log))
        try await runner.start()
        try await runner.step()
        try await runner.step()
        await source.reassign([])
        try await runner.step()
        await source.reassign([Self.partition])
        try await runner.step()
        // Nobody read further: its own state goes on, from its own position; what the poll returned
        // before the seek comes again after it.
        #expect(await source.seeks == [[Self.partition: 10]])
        #expect(await runner.status().stage.metrics.recordsProcessed == 10)
        try await runner.step()
        try await runner.step()
        let metrics = await runner.status().stage.metrics
        #expect(metrics.recordsProcessed == 20)
        #expect(metrics.recordsRedelivered == 0)
        #expect(metrics.recordsReplayed == 0)
    }

    @Test func aHeldRevocationIsFlushedAndCheckpointedBeforeItCompletes() async throws {
        let log = OperationLog()
        let source = InMemorySource(records: Array(Self.records.prefix(15)), partitions: [Self.partition], log: log)
        let checkpoints = RecordingCheckpoints(log: log)
        let runner = try Self.runner(source: source, log: log, checkpoints: checkpoints)
        try await runner.start()
        try await runner.step()
        await source.holdRevocation([Self.partition])
        try await runner.step()
        #expect(await log.entries == ["prepare", "assigned [\"logs/0\"]", "accept logs/0:0-4", "flush", "commit logs/0=5",
                                      "revocation completed", "accept "])
        #expect(await checkpoints.saves == [[Self.partition: 5]])
        // Not owned now: a checkpoint saves nothing, so this runner's stale position never moves the group back.
        try await runner.checkpoint()
        #expect(await checkpoints.saves == [[Self.partition: 5]])
        #expect(await runner.metrics.rebalances == 1)
    }

    @Test func aPartitionAnotherMemberAdvancedIsRebuiltFromTheirCheckpoint() async throws {
        let log = OperationLog()
        let checkpoints = RecordingCheckpoints(log: log)
        let mine = InMemorySource(records: Self.records, partitions: [Self.partition])
        let runner = try Self.runner(source: mine, log: log, checkpoints: checkpoints)
        try await runner.start()
        try await runner.step()
        await mine.holdRevocation([Self.partition])
        try await runner.step()

        let theirs = InMemorySource(records: Self.records, partitions: [Self.partition])
        let other = try Self.runner(source: theirs, log: log, checkpoints: checkpoints)
        try await other.start()
        for _ in 0..<5 { try await other.step() }
        await theirs.holdRevocation([Self.partition])
        try await other.step()
        // It rebuilt the partition from the start (a window was still open at 5) and went on to 20.
        #expect(await theirs.seeks == [[Self.partition: 0]])
        #expect(await checkpoints.saved[Self.partition]?.offset == 20)

        await mine.reassign([Self.partition])
        for _ in 0..<10 { try await runner.step() }
        // It read again from the restore point the other member committed, and counted nothing twice.
        let seek = try #require(await mine.seeks.last?[Self.partition])
        #expect(seek < 20 && seek > 5)
        try await runner.checkpoint()
        #expect(await checkpoints.saved[Self.partition]?.offset == 50)
        let metrics = await runner.status().stage.metrics
        #expect(metrics.recordsProcessed == 5 + 30)
        #expect(metrics.recordsReplayed == UInt64(20 - seek))
    }
}
