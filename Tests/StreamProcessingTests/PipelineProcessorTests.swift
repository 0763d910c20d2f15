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

    /// The same without the dedupe step, whose memory a replay does not fully rebuild (see the README).
    static var replayable: PipelineDefinition {
        var definition = Self.definition
        definition.transforms.removeLast()
        return definition
    }

    static func run(_ records: [SourceRecord], batchSize: Int, processor: inout PipelineProcessor) -> ProcessorOutput {
        var collected = ProcessorOutput()
        var start = records.startIndex
        while start < records.endIndex {
            let end = min(start + batchSize, records.endIndex)
            let output = processor.process(Array(records[start..<end]), nowMillis: 0)
            collected.partials += output.partials
            collected.events += output.events
            collected.failures += output.failures
            start = end
        }
        return collected
    }

    @Test func aPartitionRestoredByReplayContinuesExactlyAsTheUninterruptedOne() throws {
        let records = Self.records()
        var uninterrupted = try PipelineProcessor(definition: Self.replayable)
        _ = uninterrupted.assign(Self.partitions, checkpoints: [:], nowMillis: 0)
        let expected = Self.run(records, batchSize: 50, processor: &uninterrupted)
        #expect(expected.partials.contains { $0.stage == .ended } && expected.partials.contains { $0.stage == .closed })
        #expect(uninterrupted.report.aggregations["latency"].map { $0.lateEventsDropped > 0 && $0.lateEventsAccepted > 0 } == true)

        var first = try PipelineProcessor(definition: Self.replayable)
        _ = first.assign(Self.partitions, checkpoints: [:], nowMillis: 0)
        _ = Self.run(Array(records[..<700]), batchSize: 50, processor: &first)
        let checkpoints = Dictionary(uniqueKeysWithValues: Self.partitions.compactMap { partition in first.checkpoint(partition).map { (partition, $0) } })
        #expect(checkpoints.count == 2)

        // Another member takes both partitions over: it reads each again from its restore point, and from
        // the committed offset on produces exactly what the first would have.
        var second = try PipelineProcessor(definition: Self.replayable)
        let seeks = second.assign(Self.partitions, checkpoints: checkpoints, nowMillis: 0)
        for partition in Self.partitions {
            let seek = try #require(seeks[partition])
            #expect(seek < checkpoints[partition]!.offset, "the oldest open window started before the commit")
        }
        let resumed = records.filter { $0.offset >= seeks[$0.topicPartition]! }
        let actual = Self.run(resumed, batchSize: 50, processor: &second)
        let committed = checkpoints.mapValues(\.offset)
        let afterCommit = expected.partials.filter { $0.coveredOffset > committed[$0.source]! }
        #expect(actual.partials == afterCommit)
        #expect(actual.events == expected.events.filter { $0.offset >= committed[$0.topicPartition]! })
        #expect(second.metrics.recordsReplayed == UInt64(resumed.count { $0.offset < committed[$0.topicPartition]! }))
        #expect(second.report.nextOffsets == uninterrupted.report.nextOffsets)
    }

    @Test func aPartitionThatComesBackUnchangedKeepsItsState() throws {
        var processor = try PipelineProcessor(definition: Self.replayable)
        _ = processor.assign(Self.partitions, checkpoints: [:], nowMillis: 0)
        _ = Self.run(Array(Self.records()[..<300]), batchSize: 50, processor: &processor)
        let checkpoint = try #require(processor.checkpoint(Self.partitions[0]))
        processor.revoke([Self.partitions[0]])
        // Nobody read further meanwhile: no replay, reading resumes at the processor's own position.
        #expect(processor.assign([Self.partitions[0]], checkpoints: [Self.partitions[0]: checkpoint], nowMillis: 0)
                == [Self.partitions[0]: checkpoint.offset])
        var ahead = checkpoint
        ahead.offset += 10
        processor.revoke([Self.partitions[0]])
        // Another member moved on: rebuild from the restore point it committed.
        let seek = processor.assign([Self.partitions[0]], checkpoints: [Self.partitions[0]: ahead], nowMillis: 0)
        #expect(seek[Self.partitions[0]].map { $0 < checkpoint.offset } == true)
    }

    @Test func progressIsReportedAtWindowEndsAndWhenAPartitionGoesIdle() throws {
        let definition = PipelineDefinition(
            name: "idle", source: SourceSpec(topics: ["logs"], groupID: "g", outOfOrdernessMillis: 0, idleTimeoutMillis: 1000,
                                             followsWallClockWhenIdle: true),
            transforms: [.parseJSON(field: "message")],
            aggregations: [WindowedAggregationSpec(name: "n", window: tumbling(10_000), groupBy: [],
                                                   columns: [AggregateColumn(name: "n", function: .count)], allowedLatenessMillis: 5000)])
        let partition = Self.partitions[0]
        var processor = try PipelineProcessor(definition: definition)
        _ = processor.assign([partition], checkpoints: [:], nowMillis: 0)
        let reports = { (output: ProcessorOutput) in output.progress.map { [$0.watermarkMillis, $0.idle ? 1 : 0, $0.wallClockMillis] } }
        // The first event reports; then only crossing a deadline does: a window end (20 s) or end + lateness (15 s).
        #expect(reports(processor.process([jsonRecord(partition, offset: 0, timeMillis: 11_000, "{}")], nowMillis: 0)) == [[11_000, 0, .min]])
        #expect(reports(processor.process([jsonRecord(partition, offset: 1, timeMillis: 14_000, "{}")], nowMillis: 100)).isEmpty)
        #expect(reports(processor.process([jsonRecord(partition, offset: 2, timeMillis: 15_000, "{}")], nowMillis: 200)) == [[15_000, 0, .min]])
        let ended = processor.process([jsonRecord(partition, offset: 3, timeMillis: 20_000, "{}")], nowMillis: 300)
        #expect(reports(ended) == [[20_000, 0, .min]])
        #expect(ended.partials.map(\.stage) == [.ended])
        #expect(ended.partials.first?.coveredOffset == 4)
        // Quiet for the idle timeout: the open window's share so far, then the idle report with the wall clock.
        #expect(processor.advanceTime(nowMillis: 1000).progress.isEmpty)
        let idle = processor.advanceTime(nowMillis: 1400)
        #expect(idle.partials.map(\.stage) == [.provisional])
        #expect(idle.partials.map(\.windowStartMillis) == [20_000])
        #expect(reports(idle) == [[20_000, 1, 1400 - 1000]])
        // While idle the wall clock is reported as it crosses deadlines, not on every call.
        #expect(processor.advanceTime(nowMillis: 5_000).progress.isEmpty)
        #expect(reports(processor.advanceTime(nowMillis: 21_000)) == [[20_000, 1, 20_000]])
        // A new event ends the idleness at once.
        #expect(reports(processor.process([jsonRecord(partition, offset: 4, timeMillis: 21_000, "{}")], nowMillis: 21_100)) == [[21_000, 0, .min]])
    }

    @Test func dedupeRemembersKeysPerPartition() throws {
        let definition = PipelineDefinition(name: "d", source: SourceSpec(topics: ["logs"], groupID: "g"),
                                            transforms: [.parseJSON(field: "message"), .dedupe(keyFields: ["id"], withinMillis: 1000)],
                                            sinks: [.file(path: "/dev/null", input: .events)])
        var processor = try PipelineProcessor(definition: definition)
        let output = processor.process([
            jsonRecord(Self.partitions[0], offset: 0, timeMillis: 0, #"{"id":"a"}"#),
            jsonRecord(Self.partitions[0], offset: 1, timeMillis: 10, #"{"id":"a"}"#),
            jsonRecord(Self.partitions[1], offset: 0, timeMillis: 20, #"{"id":"a"}"#),
        ], nowMillis: 0)
        #expect(output.events.map(\.topicPartition) == [Self.partitions[0], Self.partitions[1]])
        #expect(processor.metrics.eventsRemoved == 1)
    }

    @Test func failuresNameTheirPartitionAndOffset() throws {
        var processor = try PipelineProcessor(definition: Self.definition)
        let output = processor.process([jsonRecord(Self.partitions[1], offset: 41, timeMillis: 0, "ts=notanumber service=x")], nowMillis: 0)
        #expect(output.failures.map(\.description) == ["logs/1 offset 41: field ts is not a timestamp: notanumber"])
        #expect(output.consumed.canonicalDescription == "logs/1:41-41")
    }
}
