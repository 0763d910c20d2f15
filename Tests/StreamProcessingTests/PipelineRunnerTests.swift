import Logging
import Testing
@testable import StreamProcessing

@Suite struct PipelineRunnerTests {
    static let partition = TopicPartition(topic: "logs", partition: 0)
    static let definition = PipelineDefinition(
        name: "runner", source: SourceSpec(topics: ["logs"], groupID: "g"),
        transforms: [.parseJSON(field: "message")],
        aggregations: [WindowedAggregationSpec(name: "n", window: tumbling(1000), groupBy: ["k"],
                                               columns: [AggregateColumn(name: "count", function: .count)], allowedLatenessMillis: 0)],
        alerts: [AlertRuleSpec(name: "many", source: .column(aggregation: "n", column: "count"), condition: .threshold(.greaterThan, 1))])

    /// Ten batches of five records, one every 300 ms of event time, alternating keys.
    static let batches: [[SourceRecord]] = (0..<10).map { batch in
        (0..<5).map { index in
            let offset = Int64(batch * 5 + index)
            return jsonRecord(partition, offset: offset, timeMillis: offset * 300, #"{"k":"\#(offset % 2 == 0 ? "a" : "b")"}"#)
        }
    }

    static func runner(source: InMemorySource, log: OperationLog, checkpoints: RecordingCheckpoints, failFlush: Bool = false,
                       rejectCommits: Bool = false, notifiers: [any AlertNotifier] = []) -> (PipelineRunner, RecordingCommitter) {
        let committer = RecordingCommitter(log: log, rejects: rejectCommits)
        let runner = PipelineRunner(definition: definition, source: source, committer: committer,
                                    sinks: [LoggingSink(log: log, failFlush: failFlush)], notifiers: notifiers, checkpoints: checkpoints,
                                    checkpointIntervalMillis: .max, clock: { 0 }, logger: Logger(label: "test"))
        return (runner, committer)
    }

    @Test func offsetsAreCommittedOnlyAfterSinksFlushedAndTheCheckpointIsSaved() async throws {
        let log = OperationLog()
        let (runner, committer) = Self.runner(source: InMemorySource(batches: Array(Self.batches.prefix(2)), partitions: [Self.partition]),
                                              log: log, checkpoints: RecordingCheckpoints(log: log))
        try await runner.start()
        try await runner.step()
        try await runner.step()
        try await runner.checkpoint()
        #expect(await log.entries == ["prepare", "assigned [\"logs/0\"]", "accept 2", "accept 2", "flush", "checkpoint", "commit logs/0=10"])
        #expect(await committer.commits == [[Self.partition: 10]])
    }

    @Test func aFailedFlushLeavesCheckpointAndOffsetsUntouched() async throws {
        let log = OperationLog()
        let checkpoints = RecordingCheckpoints(log: log)
        let (runner, committer) = Self.runner(source: InMemorySource(batches: Self.batches, partitions: [Self.partition]),
                                              log: log, checkpoints: checkpoints, failFlush: true)
        try await runner.start()
        try await runner.step()
        await #expect(throws: ClickHouseError.self) { try await runner.checkpoint() }
        #expect(await log.entries.last == "flush")
        #expect(await checkpoints.saved.isEmpty)
        #expect(await committer.commits.isEmpty)
    }

    @Test func aRestartedRunnerResumesFromTheCheckpointAsIfUninterrupted() async throws {
        let log = OperationLog()
        let (uninterrupted, _) = Self.runner(source: InMemorySource(batches: Self.batches, partitions: [Self.partition]),
                                             log: log, checkpoints: RecordingCheckpoints(log: log))
        try await uninterrupted.start()
        var expected: [WindowResult] = []
        var expectedAlerts: [AlertEvent] = []
        for _ in Self.batches {
            let output = try await uninterrupted.step()
            expected += output.windowResults
            expectedAlerts += output.alerts
        }

        let checkpoints = RecordingCheckpoints(log: log)
        let (first, _) = Self.runner(source: InMemorySource(batches: Self.batches, partitions: [Self.partition]), log: log, checkpoints: checkpoints)
        try await first.start()
        var actual: [WindowResult] = []
        var actualAlerts: [AlertEvent] = []
        for _ in 0..<4 {
            let output = try await first.step()
            actual += output.windowResults
            actualAlerts += output.alerts
        }
        try await first.checkpoint()

        // The consumer redelivers from the beginning; once the partition is assigned the runner seeks past
        // what the checkpoint covers, and the processor skips what the first poll returned before the seek.
        let replay = InMemorySource(batches: Self.batches, partitions: [Self.partition])
        let (second, _) = Self.runner(source: replay, log: log, checkpoints: checkpoints)
        try await second.start()
        #expect(await replay.seeks.isEmpty)
        for _ in Self.batches {
            let output = try await second.step()
            actual += output.windowResults
            actualAlerts += output.alerts
        }
        #expect(await replay.seeks == [[Self.partition: 20]])
        #expect(actual == expected)
        #expect(actualAlerts == expectedAlerts)
        #expect(!expectedAlerts.isEmpty)
    }

    @Test func notifierFailuresAreCountedWithoutStoppingThePipeline() async throws {
        let log = OperationLog()
        let transport = ScriptedTransport(statuses: Array(repeating: 502, count: 20))
        let (runner, _) = Self.runner(source: InMemorySource(batches: Self.batches, partitions: [Self.partition]), log: log,
                                      checkpoints: RecordingCheckpoints(log: log),
                                      notifiers: [WebhookNotifier(url: "http://hooks.local/a", transport: transport)])
        try await runner.start()
        for _ in Self.batches { try await runner.step() }
        #expect(await runner.metrics.notifierFailures > 0)
        #expect(await transport.requests.count == Int(await runner.metrics.notifierFailures))
    }

    @Test func aRevocationCheckpointsAtOnceAndARejectedCommitDoesNotStopThePipeline() async throws {
        let log = OperationLog()
        let source = InMemorySource(batches: Array(Self.batches.prefix(3)), partitions: [Self.partition])
        let checkpoints = RecordingCheckpoints(log: log)
        let (runner, _) = Self.runner(source: source, log: log, checkpoints: checkpoints, rejectCommits: true)
        try await runner.start()
        try await runner.step()
        await source.reassign([])
        try await runner.step()
        #expect(await log.entries == ["prepare", "assigned [\"logs/0\"]", "accept 2", "flush", "checkpoint", "commit rejected", "accept 2"])
        #expect(await checkpoints.saved.last?.nextOffsets == [Self.partition: 5])
        #expect(await runner.metrics.commitFailures == 1)
        #expect(await runner.metrics.rebalances == 1)
    }

    @Test func aPartitionThatComesBackResumesWhereTheProcessorLeftIt() async throws {
        let log = OperationLog()
        let source = InMemorySource(batches: Self.batches, partitions: [Self.partition])
        let (runner, _) = Self.runner(source: source, log: log, checkpoints: RecordingCheckpoints(log: log))
        try await runner.start()
        try await runner.step()
        try await runner.step()
        await source.reassign([])
        try await runner.step()
        await source.reassign([Self.partition])
        try await runner.step()
        #expect(await source.seeks == [[Self.partition: 15]])
        // The poll before the seek is processed in order; the seek delivers it again, and it is skipped.
        try await runner.step()
        #expect(await runner.processorMetrics?.recordsProcessed == 20)
        #expect(await runner.processorMetrics?.recordsRedelivered == 5)
    }

    @Test func aHeldRevocationIsFlushedCheckpointedAndCommittedBeforeItCompletes() async throws {
        let log = OperationLog()
        let source = InMemorySource(batches: Array(Self.batches.prefix(3)), partitions: [Self.partition], log: log)
        let (runner, committer) = Self.runner(source: source, log: log, checkpoints: RecordingCheckpoints(log: log))
        try await runner.start()
        try await runner.step()
        await source.holdRevocation([Self.partition])
        try await runner.step()
        #expect(await log.entries == ["prepare", "assigned [\"logs/0\"]", "accept 2", "flush", "checkpoint", "commit logs/0=5",
                                      "revocation completed", "accept 2"])
        #expect(await committer.commits == [[Self.partition: 5]])
        #expect(await runner.metrics.rebalances == 1)
    }

    @Test func aPartitionAnotherMemberAdvancedResumesAtTheGroupsCommittedOffset() async throws {
        let log = OperationLog()
        let source = InMemorySource(batches: Self.batches, partitions: [Self.partition], log: log)
        let (runner, committer) = Self.runner(source: source, log: log, checkpoints: RecordingCheckpoints(log: log))
        try await runner.start()
        try await runner.step()
        await source.holdRevocation([Self.partition])
        try await runner.step()
        // Not owned now: a checkpoint commits nothing, so this runner's stale offset never moves the group back.
        try await runner.checkpoint()
        #expect(await committer.commits == [[Self.partition: 5]])
        await source.commitElsewhere([Self.partition: 30])
        await source.reassign([Self.partition])
        try await runner.step()
        #expect(await source.seeks == [[Self.partition: 30]])
        for _ in 0..<8 { try await runner.step() }
        try await runner.checkpoint()
        #expect(await committer.commits.last == [Self.partition: 50])
        // Records 10…29 were the other member's and skipped: this runner processed 0…9 (the fake source still
        // returns the batch polled as the revocation completed) and 30…49.
        #expect(await runner.processorMetrics?.recordsProcessed == 10 + 20)
    }
}
