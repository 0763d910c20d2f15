import Foundation
import Testing
@testable import StreamProcessing

@Suite struct PipelineProcessorTests {
    static let partitions = (0..<2).map { TopicPartition(topic: "logs", partition: Int32($0)) }

    static let definition = PipelineDefinition(
        name: "checkout",
        source: SourceSpec(topics: ["logs"], groupID: "g", outOfOrdernessMillis: 2000, idleTimeoutMillis: 10_000),
        transforms: [
            .parseLogfmt(field: "message"),
            .timestamp(field: "ts", format: .unixMillis),
            .filter(FilterCondition(field: "level", op: .notEquals, value: .string("debug"))),
            .dedupe(keyFields: ["request"], withinMillis: 5000),
        ],
        aggregations: [
            WindowedAggregationSpec(name: "latency", window: tumbling(10_000), groupBy: ["service"],
                                    columns: [AggregateColumn(name: "n", function: .count),
                                              AggregateColumn(name: "p50", function: .percentile(field: "ms", quantile: 0.5, relativeAccuracy: 0.01)),
                                              AggregateColumn(name: "users", function: .distinctCount(field: "user", precision: 10))],
                                    allowedLatenessMillis: 5000),
        ],
        detectors: [DetectorSpec(name: "spiky", aggregation: "latency", column: "n", method: .ewmaZScore(alpha: 0.3, threshold: 3, warmup: 5))],
        alerts: [AlertRuleSpec(name: "busy", source: .column(aggregation: "latency", column: "n"), condition: .threshold(.greaterThan, 14)),
                 AlertRuleSpec(name: "quiet", source: .column(aggregation: "latency", column: "n"), condition: .absence(windows: 2))])

    /// Two partitions at different speeds, disorder within and beyond the bound, duplicates, debug lines and garbage.
    static func records() -> [SourceRecord] {
        var generator = SeededGenerator(seed: 99)
        var offsets = [Int64](repeating: 0, count: 2)
        var records: [SourceRecord] = []
        for step in 0..<1500 {
            let partition = Int(generator.next() % 2)
            let base = Int64(step) * (partition == 0 ? 200 : 190)
            let time = base - Int64(generator.next() % 15_000)
            let service = ["cart", "pay"][Int(generator.next() % 2)]
            let request = generator.next() % 400 == 0 ? "dup" : "r\(step)"
            let level = generator.next() % 10 == 0 ? "debug" : "info"
            var line = "ts=\(time) service=\(service) ms=\(1 + generator.next() % 300) user=u\(generator.next() % 40) request=\(request) level=\(level)"
            if generator.next() % 97 == 0 { line = "broken=\"unterminated" }
            records.append(jsonRecord(partitions[partition], offset: offsets[partition], timeMillis: time, line))
            offsets[partition] += 1
        }
        return records
    }

    struct Collected: Equatable {
        var results: [WindowResult] = []
        var verdicts: [AnomalyVerdict] = []
        var alerts: [AlertEvent] = []
        var failures: [RecordFailure] = []

        mutating func add(_ output: ProcessorOutput) {
            results += output.windowResults
            verdicts += output.verdicts
            alerts += output.alerts
            failures += output.failures
        }
    }

    static func run(_ records: [SourceRecord], batchSize: Int, processor: inout PipelineProcessor, into collected: inout Collected) {
        var start = records.startIndex
        while start < records.endIndex {
            let end = min(start + batchSize, records.endIndex)
            collected.add(processor.process(Array(records[start..<end]), nowMillis: 0))
            start = end
        }
    }

    @Test func snapshotRestoreAndContinueEqualsAnUninterruptedRun() throws {
        let records = Self.records()
        var uninterrupted = try PipelineProcessor(definition: Self.definition)
        var expected = Collected()
        Self.run(records, batchSize: 50, processor: &uninterrupted, into: &expected)
        #expect(!expected.results.isEmpty)
        #expect(expected.results.contains { $0.revision > 0 && !$0.isFinal })
        #expect(!expected.alerts.isEmpty)
        #expect(!expected.failures.isEmpty)
        #expect(uninterrupted.aggregationMetrics["latency"].map { $0.lateEventsDropped > 0 && $0.lateEventsAccepted > 0 } == true)

        var first = try PipelineProcessor(definition: Self.definition)
        var actual = Collected()
        Self.run(Array(records[..<700]), batchSize: 50, processor: &first, into: &actual)
        let checkpoint = try JSONEncoder().encode(first.snapshot())

        let snapshot = try JSONDecoder().decode(PipelineSnapshot.self, from: checkpoint)
        var restored = try PipelineProcessor(definition: Self.definition, restoring: snapshot)
        // The source resumes from the checkpoint's offsets; redelivered older records are skipped.
        let resumeFrom = snapshot.nextOffsets
        let redelivered = Array(records[650..<700])
        actual.add(restored.process(redelivered, nowMillis: 0))
        #expect(restored.metrics.recordsRedelivered == 50)
        let remaining = records[700...].filter { $0.offset >= resumeFrom[$0.topicPartition, default: 0] }
        #expect(remaining.count == 800)
        Self.run(remaining, batchSize: 50, processor: &restored, into: &actual)

        let sameOutput = actual == expected
        #expect(sameOutput)
        #expect(restored.nextOffsets == uninterrupted.nextOffsets)
        var restoredSnapshot = restored.snapshot()
        restoredSnapshot.state.metrics.recordsRedelivered = 0
        let sameState = restoredSnapshot == uninterrupted.snapshot()  // not inside #expect: the dump would be huge
        #expect(sameState)
    }

    @Test func restoringIntoAChangedConfigurationIsRefused() throws {
        let processor = try PipelineProcessor(definition: Self.definition)
        var changed = Self.definition
        changed.aggregations[0].allowedLatenessMillis = 1
        #expect(throws: PipelineSnapshotError.configurationChanged(pipeline: "checkout")) {
            try PipelineProcessor(definition: changed, restoring: processor.snapshot())
        }
        var sinksOnly = Self.definition
        sinksOnly.sinks = [.file(path: "/tmp/x", input: .alerts)]
        _ = try PipelineProcessor(definition: sinksOnly, restoring: processor.snapshot())
    }

    @Test func failuresNameTheirPartitionAndOffset() throws {
        var processor = try PipelineProcessor(definition: Self.definition)
        let output = processor.process([jsonRecord(Self.partitions[1], offset: 41, timeMillis: 0, "ts=notanumber service=x")], nowMillis: 0)
        #expect(output.failures.map(\.description) == ["logs/1 offset 41: field ts is not a timestamp: notanumber"])
        #expect(output.consumed.canonicalDescription == "logs/1:41-41")
    }
}
