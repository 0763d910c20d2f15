import NIOCore
import Testing
@testable import StreamProcessing

/// The merge stage over the real source stage and partials-topic encoding (`TwoStagePipeline`): windows
/// come out the same however the source partitions are spread, repeated, restored or idle, and follow
/// the per-partition lateness rule.
@Suite struct MergeProcessorTests {
    static let partitions = (0..<4).map { TopicPartition(topic: "web", partition: Int32($0)) }
    static let window: Int64 = 10_000
    static let lateness: Int64 = 5000
    static let outOfOrderness: Int64 = 1000
    static let idleTimeout: Int64 = 5000

    static let definition = PipelineDefinition(
        name: "merge",
        source: SourceSpec(topics: ["web"], groupID: "g", outOfOrdernessMillis: outOfOrderness, idleTimeoutMillis: idleTimeout),
        transforms: [.parseJSON(field: "message")],
        aggregations: [
            WindowedAggregationSpec(name: "traffic", window: tumbling(window), groupBy: [], columns: [
                AggregateColumn(name: "n", function: .count),
                AggregateColumn(name: "users", function: .distinctCount(field: "user", precision: 12)),
                AggregateColumn(name: "p50", function: .percentile(field: "latency", quantile: 0.5, relativeAccuracy: 0.01)),
                AggregateColumn(name: "paths", function: .topN(field: "path", n: 3, capacity: 50)),
                AggregateColumn(name: "bytes", function: .sum(field: "bytes")),
            ], allowedLatenessMillis: lateness),
            WindowedAggregationSpec(name: "by_status", window: tumbling(window), groupBy: ["status"],
                                    columns: [AggregateColumn(name: "n", function: .count)], allowedLatenessMillis: 0),
        ],
        detectors: [DetectorSpec(name: "spiky", aggregation: "traffic", column: "n", method: .ewmaZScore(alpha: 0.3, threshold: 3, warmup: 2))],
        alerts: [AlertRuleSpec(name: "busy", source: .column(aggregation: "traffic", column: "n"), condition: .threshold(.greaterThan, 150))])

    /// Four partitions at slightly different paces, disorder within the bound, and late events, some
    /// within the lateness and some beyond, interleaved as a consumer polls them.
    static func records() -> [SourceRecord] {
        var generator = SeededGenerator(seed: 2024)
        var records: [SourceRecord] = []
        for (index, partition) in partitions.enumerated() {
            for offset in 0..<Int64(1200) {
                var time = offset * (48 + Int64(index)) + Int64(generator.next() % 800)
                if generator.next() % 31 == 0 { time -= 6000 + Int64(generator.next() % 8000) }
                let json = #"{"user":"u\#(generator.next() % 60)","latency":\#(1 + generator.next() % 400),"path":"/p\#(generator.next() % 7)","bytes":\#(generator.next() % 900),"status":"\#([200, 200, 200, 404, 500][Int(generator.next() % 5)])"}"#
                records.append(jsonRecord(partition, offset: offset, timeMillis: time, json))
            }
        }
        // As a consumer delivers them: each partition in order, the partitions interleaved.
        return records.enumerated().sorted { ($0.element.offset, $0.element.topicPartition) < ($1.element.offset, $1.element.topicPartition) }.map(\.element)
    }

    /// Runs the records through processors owning `owners`, in polls of `batch`, then lets every
    /// partition go idle, which closes what the data allows.
    static func run(owners: [[TopicPartition]], partialsPartitions: Int32, batch: Int = 37) throws -> TwoStagePipeline {
        var pipeline = try TwoStagePipeline(definition: definition, owners: owners, partialsPartitions: partialsPartitions)
        let records = Self.records()
        var start = 0
        while start < records.count {
            pipeline.process(Array(records[start..<min(start + batch, records.count)]), owners: owners)
            start += batch
        }
        pipeline.advanceTime(nowMillis: idleTimeout)
        return pipeline
    }

    static func sorted(_ results: [WindowResult]) -> [WindowResult] {
        results.map(\.content).sorted {
            ($0.aggregation, $0.groupKey.values.joined(), $0.windowStartMillis, $0.revision)
                < ($1.aggregation, $1.groupKey.values.joined(), $1.windowStartMillis, $1.revision)
        }
    }

    /// The documented rule, computed independently: per partition, its own watermark; revision 0 of a
    /// window holds each partition's events up to the one that moved its watermark to the end (none from a
    /// window only late events opened; everything from a partition that never got there); the final
    /// revision holds every accepted event. Returns (window start → revision-0 count, window start → final count).
    static func expectedTrafficCounts() -> (first: [Int64: Int], final: [Int64: Int], frontier: Int64) {
        var first: [Int64: Int] = [:]
        var final: [Int64: Int] = [:]
        var watermarks: [Int64] = []
        for partition in partitions {
            var watermark = Int64.min
            var counts: [Int64: Int] = [:]
            var atEnd: [Int64: Int] = [:]
            var lateOpened: Set<Int64> = []
            for record in records() where record.topicPartition == partition {
                let start = WindowSpec.floor(record.timestampMillis, to: window)
                if start + window + lateness > watermark {
                    if counts[start] == nil, start + window <= watermark { lateOpened.insert(start) }
                    counts[start, default: 0] += 1
                }
                watermark = max(watermark, record.timestampMillis - outOfOrderness)
                for (start, count) in counts where start + window <= watermark && atEnd[start] == nil && !lateOpened.contains(start) {
                    atEnd[start] = count
                }
            }
            for (start, count) in counts {
                final[start, default: 0] += count
                let share = atEnd[start] ?? (start + window > watermark ? count : 0)
                first[start, default: 0] += share
            }
            watermarks.append(watermark)
        }
        return (first, final, watermarks.max() ?? .min)
    }

    @Test func theOutputIsTheSameWhateverTheProcessorsAndPartialsPartitionsAndFollowsThePerPartitionRule() throws {
        let one = try Self.run(owners: [Self.partitions], partialsPartitions: 1)
        let two = try Self.run(owners: [Array(Self.partitions[..<2]), Array(Self.partitions[2...])], partialsPartitions: 3)
        let four = try Self.run(owners: Self.partitions.map { [$0] }, partialsPartitions: 4, batch: 11)
        let expected = Self.sorted(one.merged.windowResults)
        #expect(!expected.isEmpty)
        #expect(Self.sorted(two.merged.windowResults) == expected)
        #expect(Self.sorted(four.merged.windowResults) == expected)
        #expect(one.merged.alerts.sorted { $0.id < $1.id } == two.merged.alerts.sorted { $0.id < $1.id })
        #expect(!one.merged.alerts.isEmpty)
        #expect(one.merged.verdicts.contains { $0.score != nil })

        let (first, final, frontier) = Self.expectedTrafficCounts()
        let traffic = one.merged.windowResults.filter { $0.aggregation == "traffic" }
        let firsts = traffic.filter { $0.revision == 0 }
        let finals = traffic.filter { $0.revision == 1 }
        #expect(Dictionary(uniqueKeysWithValues: firsts.map { ($0.windowStartMillis, Int($0.values["n"]?.number ?? -1)) })
                == first.filter { $0.key + Self.window <= frontier && $0.value > 0 })
        #expect(Dictionary(uniqueKeysWithValues: finals.map { ($0.windowStartMillis, Int($0.values["n"]?.number ?? -1)) })
                == final.filter { $0.key + Self.window + Self.lateness <= frontier })
        #expect(finals.allSatisfy(\.isFinal) && firsts.allSatisfy { !$0.isFinal })
        // Late events made a difference somewhere, and some were dropped.
        #expect(first.contains { final[$0.key] != $0.value })
        #expect(one.sources[0].report.aggregations["traffic"].map { $0.lateEventsDropped > 0 && $0.lateEventsAccepted > 0 } == true)
        // Zero lateness: one emission per window, final.
        #expect(one.merged.windowResults.filter { $0.aggregation == "by_status" }.allSatisfy { $0.revision == 0 && $0.isFinal })
    }

    @Test func repeatedPartialsAndProgressChangeNothing() throws {
        var pipeline = try Self.run(owners: [Self.partitions], partialsPartitions: 2)
        let before = pipeline.merged.windowResults.count
        // A member that crashed before its checkpoint sends everything since again, interleaved with
        // what is already there: every record of the topic once more.
        for records in pipeline.topic.partitions {
            for record in records {
                pipeline.topic.append(OutgoingRecord(topic: record.topicPartition.topic, key: record.key.map { Array($0.readableBytesView) },
                                                     value: Array(record.value!.readableBytesView), partition: record.topicPartition.partition))
            }
        }
        pipeline.drain()
        #expect(pipeline.merged.windowResults.count == before)
        #expect(pipeline.merge.report.metrics.partialsAfterFinal > 0)
    }

    @Test func aPartitionThatNeverReportedHoldsEveryWindowBackUntilItsOwnerSaysItIsIdle() throws {
        let silent = TopicPartition(topic: "web", partition: 4)
        var pipeline = try TwoStagePipeline(definition: Self.definition, owners: [Self.partitions], partialsPartitions: 2)
        pipeline.merge.updateSourcePartitions(Set(Self.partitions + [silent]))
        pipeline.process(Self.records(), owners: [Self.partitions])
        // Its member crashed: whatever the others did, nothing is emitted.
        #expect(pipeline.merged.windowResults.isEmpty)
        var owner = try PipelineProcessor(definition: Self.definition)
        _ = owner.assign([silent], checkpoints: [:], nowMillis: 0)
        pipeline.topic.append(owner.advanceTime(nowMillis: Self.idleTimeout))
        pipeline.drain()
        // Its new member found nothing to read for the idle timeout: it stops holding the others back.
        #expect(!pipeline.merged.windowResults.isEmpty)
        #expect(pipeline.merged.windowResults.allSatisfy { $0.revision == 0 || $0.isFinal })
    }

    @Test func anIdlePartitionStopsHoldingWindowsBackAndItsShareCounts() throws {
        let definition = Self.latenessDefinition
        let (a, b) = (Self.partitions[0], Self.partitions[1])
        var pipeline = try TwoStagePipeline(definition: definition, owners: [[a, b]], partialsPartitions: 1)
        pipeline.process([jsonRecord(a, offset: 0, timeMillis: 1000, #"{"k":"x"}"#), jsonRecord(b, offset: 0, timeMillis: 2000, #"{"k":"x"}"#)],
                         nowMillis: 0, owners: [[a, b]])
        pipeline.process((1..<30).map { jsonRecord(a, offset: $0, timeMillis: 1000 + $0 * 1000, #"{"k":"x"}"#) }, nowMillis: 500, owners: [[a, b]])
        // b went quiet at 2 s of event time: it holds window 0–10 s back until it is idle.
        #expect(pipeline.merged.windowResults.isEmpty)
        pipeline.advanceTime(nowMillis: 1200)
        let first = try #require(pipeline.merged.windowResults.first)
        #expect(first.windowStartMillis == 0)
        #expect(first.values["n"] == .number(10))  // a's nine events before 10 s, and b's provisional one
        #expect(pipeline.merged.windowResults.map(\.revision).contains(1))
    }

    static let latenessDefinition = PipelineDefinition(
        name: "late", source: SourceSpec(topics: ["web"], groupID: "g", outOfOrdernessMillis: 0, idleTimeoutMillis: 1000),
        transforms: [.parseJSON(field: "message")],
        aggregations: [WindowedAggregationSpec(name: "n", window: tumbling(10_000), groupBy: ["k"],
                                               columns: [AggregateColumn(name: "n", function: .count)], allowedLatenessMillis: 5000)])

    @Test func lateEventsCountInTheFinalRevisionByTheirPartitionsWatermark() throws {
        let (a, b) = (Self.partitions[0], Self.partitions[1])
        var pipeline = try TwoStagePipeline(definition: Self.latenessDefinition, owners: [[a], [b]], partialsPartitions: 1)
        let owners = [[a], [b]]
        func feed(_ partition: TopicPartition, _ offset: Int64, _ time: Int64, _ key: String = "x") {
            pipeline.process([jsonRecord(partition, offset: offset, timeMillis: time, #"{"k":"\#(key)"}"#)], owners: owners)
        }
        feed(a, 0, 1000)
        feed(b, 0, 2000)
        feed(a, 1, 12_000)  // a's watermark passes 10 s: its share of 0–10 s ends with one event
        feed(a, 2, 3000)  // late in a, within the lateness: final revision only
        feed(a, 3, 4000, "y")  // late, and the first of its window and key: no revision 0 at all
        #expect(pipeline.merged.windowResults.isEmpty)  // b is still before 10 s
        feed(b, 1, 11_000)  // b's share ends with one event, and revision 0 goes out
        feed(b, 2, 5000)  // late in b too
        #expect(pipeline.merged.windowResults.map { [$0.groupKey.values, [String($0.revision)], [$0.values["n"]?.number.map { "\($0)" } ?? ""]] }
                == [[["x"], ["0"], ["2.0"]]])
        feed(a, 4, 15_000)
        feed(b, 3, 16_000)  // both past 15 s: final revisions, late events in
        let finals = pipeline.merged.windowResults.filter(\.isFinal)
        #expect(finals.map(\.groupKey.values) == [["x"], ["y"]])
        #expect(finals.map { $0.values["n"] } == [.number(4), .number(1)])
        #expect(finals.allSatisfy { $0.revision == 1 })
        feed(a, 5, 1000)  // beyond the lateness in a: dropped where it was read
        #expect(pipeline.sources[0].report.aggregations["n"]?.lateEventsDropped == 1)
        #expect(pipeline.sources[0].report.aggregations["n"]?.lateEventsAccepted == 2)
    }

    @Test func aRestoredMergeContinuesExactlyWhereItsCheckpointLeftIt() throws {
        let owners = [Array(Self.partitions[..<2]), Array(Self.partitions[2...])]
        let reference = try Self.run(owners: owners, partialsPartitions: 2)
        var interrupted = try TwoStagePipeline(definition: Self.definition, owners: owners, partialsPartitions: 2)
        let records = Self.records()
        let half = 37 * 50  // about 22 s of event time: window 10–20 s is out as revision 0, not yet final
        var start = 0
        while start < half {
            interrupted.process(Array(records[start..<start + 37]), owners: owners)
            start += 37
        }
        let checkpoints = Dictionary(uniqueKeysWithValues: interrupted.topic.topicPartitions.compactMap { partition in
            interrupted.merge.checkpoint(partition).map { (partition, $0) }
        })
        let consumed = interrupted.mergePositions
        #expect(checkpoints.count == 2)
        #expect(checkpoints.contains { $0.value.offset < consumed[$0.key]! }, "a window not yet final needs records from before")

        // Another member takes both partials partitions over while the sources go on.
        var restored = MergeProcessor(definition: Self.definition)
        restored.updateSourcePartitions(Set(Self.partitions))
        let seeks = restored.assign(interrupted.topic.topicPartitions, checkpoints: checkpoints, nowMillis: 0)
        #expect(seeks == checkpoints.mapValues(\.offset))
        interrupted.merge = restored
        interrupted.mergePositions = seeks
        interrupted.merged = ProcessorOutput()
        while start < records.count {
            interrupted.process(Array(records[start..<min(start + 37, records.count)]), owners: owners)
            start += 37
        }
        interrupted.advanceTime(nowMillis: Self.idleTimeout)

        let afterCheckpoint = reference.merged.windowResults.filter { $0.position.map { $0.offset >= consumed[$0.topicPartition]! } ?? false }
        #expect(!afterCheckpoint.isEmpty)
        #expect(interrupted.merged.windowResults == afterCheckpoint)
        #expect(interrupted.merged.alerts == reference.merged.alerts.suffix(interrupted.merged.alerts.count))
        #expect(interrupted.merge.report.metrics.recordsReplayed > 0)
    }
}
