import Testing
@testable import StreamProcessing

@Suite struct WindowedAggregatorTests {
    static let columns = [
        AggregateColumn(name: "requests", function: .count),
        AggregateColumn(name: "bytes", function: .sum(field: "bytes")),
        AggregateColumn(name: "fastest", function: .min(field: "latency")),
        AggregateColumn(name: "slowest", function: .max(field: "latency")),
        AggregateColumn(name: "mean", function: .average(field: "latency")),
        AggregateColumn(name: "p90", function: .percentile(field: "latency", quantile: 0.9, relativeAccuracy: 0.01)),
        AggregateColumn(name: "users", function: .distinctCount(field: "user", precision: 14)),
        AggregateColumn(name: "top_status", function: .topN(field: "status", n: 2, capacity: 64)),
    ]

    @Test func tumblingWindowsGiveExactAggregatesOfAGeneratedStream() throws {
        var generator = SeededGenerator(seed: 7)
        let routes = ["/a", "/b", "/c"]
        let statuses = ["200", "404", "500"]
        var records: [SourceRecord] = []
        var generated: [(time: Int64, route: String, bytes: Int, latency: Int, user: Int, status: String)] = []
        let partitions = (0..<3).map { TopicPartition(topic: "logs", partition: Int32($0)) }
        var offsets = [Int64](repeating: 0, count: 3)
        for step in 0..<3000 {
            let partitionIndex = Int(generator.next() % 3)
            // Mostly increasing time with up to 2 s of disorder, below the 3 s out-of-orderness bound.
            let time = Int64(step) * 40 + Int64(generator.next() % 2000)
            let row = (time: time, route: routes[Int(generator.next() % 3)], bytes: Int(generator.next() % 5000),
                       latency: 1 + Int(generator.next() % 900), user: Int(generator.next() % 150),
                       status: statuses[Int(generator.next() % 10) < 7 ? 0 : Int(generator.next() % 3)])
            generated.append(row)
            let json = #"{"route":"\#(row.route)","bytes":\#(row.bytes),"latency":\#(row.latency),"user":"u\#(row.user)","status":"\#(row.status)"}"#
            records.append(jsonRecord(partitions[partitionIndex], offset: offsets[partitionIndex], timeMillis: time, json))
            offsets[partitionIndex] += 1
        }
        // One far-future record per partition closes every window.
        for (index, partition) in partitions.enumerated() {
            records.append(jsonRecord(partition, offset: offsets[index], timeMillis: 10_000_000, #"{"route":"/flush"}"#))
        }
        let definition = PipelineDefinition(
            name: "exact", source: SourceSpec(topics: ["logs"], groupID: "g", outOfOrdernessMillis: 3000),
            transforms: [.parseJSON(field: "message")],
            aggregations: [WindowedAggregationSpec(name: "by_route", window: tumbling(10_000), groupBy: ["route"],
                                                   columns: Self.columns, allowedLatenessMillis: 0)])
        // Each partition's share of a window is merged with the others': the result is the window's, exact.
        var pipeline = try TwoStagePipeline(definition: definition, owners: [partitions])
        pipeline.process(records, owners: [partitions])

        let results = pipeline.merged.windowResults.filter { $0.groupKey.values != ["/flush"] }
        #expect(results.allSatisfy { $0.revision == 0 && $0.isFinal })
        var expected: [String: [(time: Int64, route: String, bytes: Int, latency: Int, user: Int, status: String)]] = [:]
        for row in generated { expected["\(row.route)|\(row.time / 10_000 * 10_000)", default: []].append(row) }
        #expect(results.count == expected.count)
        for result in results {
            let rows = try #require(expected["\(result.groupKey.values[0])|\(result.windowStartMillis)"])
            let latencies = rows.map { Double($0.latency) }.sorted()
            #expect(result.windowEndMillis == result.windowStartMillis + 10_000)
            #expect(result.values["requests"] == .number(Double(rows.count)))
            #expect(result.values["bytes"] == .number(Double(rows.map(\.bytes).reduce(0, +))))
            #expect(result.values["fastest"] == .number(latencies.first))
            #expect(result.values["slowest"] == .number(latencies.last))
            let mean = try #require(result.values["mean"]?.number)
            #expect(abs(mean - latencies.reduce(0, +) / Double(rows.count)) < 1e-9)
            let exactP90 = latencies[Int((0.9 * Double(latencies.count - 1)).rounded(.down))]
            let p90 = try #require(result.values["p90"]?.number)
            #expect(abs(p90 - exactP90) <= 0.01 * exactP90 + 1e-9)
            let users = try #require(result.values["users"]?.number)
            let exactUsers = Double(Set(rows.map(\.user)).count)
            #expect(abs(users - exactUsers) <= max(1, 0.03 * exactUsers))
            var statusCounts: [String: UInt64] = [:]
            for row in rows { statusCounts[row.status, default: 0] += 1 }
            let expectedTop = statusCounts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(2)
                .map { SpaceSaving.Entry(item: $0.key, count: $0.value, maxOverestimate: 0) }
            #expect(result.values["top_status"] == .ranking(expectedTop))
        }
        #expect(pipeline.sources[0].report.aggregations["by_route"]?.lateEventsDropped == 0)
    }

    static let source = TopicPartition(topic: "logs", partition: 0)

    static func counts(_ shares: [WindowPartial]) -> [Int64: Double] {
        Dictionary(uniqueKeysWithValues: shares.map { ($0.windowStartMillis, $0.accumulators[0].value.number ?? -1) })
    }

    @Test func hoppingWindowsCountEveryEventInEachOverlappingWindow() throws {
        let window = try WindowSpec.hopping(sizeMillis: 30, advanceMillis: 10)
        #expect(window.windowStarts(containing: 25) == [0, 10, 20])
        #expect(window.windowStarts(containing: -5) == [-30, -20, -10])
        var aggregator = WindowedAggregator(spec: WindowedAggregationSpec(
            name: "hop", window: window, groupBy: [], columns: [AggregateColumn(name: "n", function: .count)], allowedLatenessMillis: 0))
        let times: [Int64] = [0, 5, 12, 18, 25, 29, 33, 41]
        for (offset, time) in times.enumerated() { aggregator.add(event([:], at: time, offset: Int64(offset)), watermarkMillis: .min, maxEventTimeBefore: nil) }
        let shares = aggregator.advance(to: 100, source: Self.source, coveredOffset: 8)
        var expected: [Int64: Double] = [:]
        for start in stride(from: Int64(-20), through: 40, by: 10) {
            let inside = times.filter { $0 >= start && $0 < start + 30 }.count
            if inside > 0 { expected[start] = Double(inside) }
        }
        // Zero lateness: each window ends and closes at once, in one share.
        #expect(Self.counts(shares) == expected)
        #expect(shares.allSatisfy { $0.stage == .endedAndClosed })
        #expect(shares.map(\.windowEndMillis) == shares.map(\.windowEndMillis).sorted())
        #expect(shares.allSatisfy { $0.coveredOffset == 8 && $0.source == Self.source })
    }

    @Test func lateEventsShowInTheClosedShareOnlyAndLaterOnesAreDroppedAndCounted() {
        var aggregator = WindowedAggregator(spec: WindowedAggregationSpec(
            name: "late", window: tumbling(10_000), groupBy: [],
            columns: [AggregateColumn(name: "n", function: .count)], allowedLatenessMillis: 5000))
        aggregator.add(event([:], at: 1000, offset: 0), watermarkMillis: .min, maxEventTimeBefore: nil)
        aggregator.add(event([:], at: 12_000, offset: 1), watermarkMillis: 1000, maxEventTimeBefore: 1000)
        let ended = aggregator.advance(to: 12_000, source: Self.source, coveredOffset: 2)
        #expect(ended.map(\.stage) == [.ended])
        #expect(Self.counts(ended) == [0: 1])

        // Late, within the lateness: counted in the window, emitted only with its closed share.
        aggregator.add(event([:], at: 3000, offset: 2), watermarkMillis: 12_000, maxEventTimeBefore: 12_000)
        #expect(aggregator.advance(to: 12_000, source: Self.source, coveredOffset: 3).isEmpty)
        #expect(aggregator.metrics.lateEventsAccepted == 1)

        let closed = aggregator.advance(to: 15_000, source: Self.source, coveredOffset: 4)
        #expect(closed.map(\.stage) == [.closed])
        #expect(Self.counts(closed) == [0: 2])

        aggregator.add(event([:], at: 4000, offset: 4), watermarkMillis: 15_000, maxEventTimeBefore: 12_000)
        #expect(aggregator.metrics.lateEventsDropped == 1)
        #expect(aggregator.metrics.eventsAggregated == 3)
        #expect(aggregator.openWindowCount == 1)
    }

    @Test func aWindowOnlyALateEventOpenedHasNoEndedShare() {
        var aggregator = WindowedAggregator(spec: WindowedAggregationSpec(
            name: "late", window: tumbling(10_000), groupBy: ["k"],
            columns: [AggregateColumn(name: "n", function: .count)], allowedLatenessMillis: 5000))
        aggregator.add(event(["k": .string("a")], at: 12_000, offset: 0), watermarkMillis: .min, maxEventTimeBefore: nil)
        #expect(aggregator.advance(to: 12_000, source: Self.source, coveredOffset: 1).isEmpty)
        aggregator.add(event(["k": .string("b")], at: 9000, offset: 1), watermarkMillis: 12_000, maxEventTimeBefore: 12_000)
        #expect(aggregator.advance(to: 12_000, source: Self.source, coveredOffset: 2).isEmpty)
        // Idle now: the late window's share so far is an update, which revision 0 leaves out.
        #expect(aggregator.provisional(source: Self.source, coveredOffset: 2).map(\.stage) == [.updated, .provisional])
        let closed = aggregator.advance(to: 15_000, source: Self.source, coveredOffset: 3)
        #expect(closed.map(\.groupValues) == [["b"]])
        #expect(closed.map(\.stage) == [.closed])
        #expect(aggregator.provisional(source: Self.source, coveredOffset: 3).isEmpty)
    }

    @Test func theRestorePointIsTheOldestOpenWindowsFirstEvent() {
        var aggregator = WindowedAggregator(spec: WindowedAggregationSpec(
            name: "r", window: tumbling(100), groupBy: ["k"], columns: [AggregateColumn(name: "n", function: .count)], allowedLatenessMillis: 50))
        #expect(aggregator.restorePoint == nil)
        aggregator.add(event(["k": .string("a")], at: 10, offset: 4), watermarkMillis: .min, maxEventTimeBefore: nil)
        aggregator.add(event(["k": .string("b")], at: 20, offset: 5), watermarkMillis: 10, maxEventTimeBefore: 10)
        aggregator.add(event(["k": .string("a")], at: 120, offset: 6), watermarkMillis: 20, maxEventTimeBefore: 20)
        #expect(aggregator.restorePoint == RestorePoint(offset: 4, maxEventTimeMillis: nil))
        _ = aggregator.advance(to: 150, source: Self.source, coveredOffset: 7)
        #expect(aggregator.restorePoint == RestorePoint(offset: 6, maxEventTimeMillis: 20))
    }
}
