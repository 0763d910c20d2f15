import Foundation
import Testing
@testable import StreamProcessing

@Suite struct SketchTests {
    @Test(arguments: [0.01, 0.02, 0.05])
    func ddSketchQuantilesStayWithinRelativeAccuracyOfExactRanks(accuracy: Double) throws {
        var generator = SeededGenerator(seed: 42)
        var sketch = DDSketch(relativeAccuracy: accuracy)
        var values: [Double] = []
        for _ in 0..<20_000 {
            // Log-normal-ish latencies spanning four orders of magnitude, plus some negatives and zeros.
            let uniform = Double(generator.next() % 1_000_000) / 1_000_000
            let value: Double
            switch generator.next() % 20 {
            case 0: value = 0
            case 1: value = -exp(uniform * 5)
            default: value = exp(uniform * 9)
            }
            values.append(value)
            sketch.add(value)
        }
        let sorted = values.sorted()
        for q in [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0] {
            let exact = sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
            let estimate = try #require(sketch.quantile(q))
            #expect(abs(estimate - exact) <= accuracy * abs(exact) + 1e-12, "q=\(q) exact=\(exact) estimate=\(estimate)")
        }
        #expect(sketch.count == 20_000)
    }

    @Test func mergedDDSketchesEqualOneSketchOfTheUnion() throws {
        var whole = DDSketch(relativeAccuracy: 0.01)
        var left = DDSketch(relativeAccuracy: 0.01)
        var right = DDSketch(relativeAccuracy: 0.01)
        for value in 1...5000 {
            whole.add(Double(value))
            if value % 3 == 0 { left.add(Double(value)) } else { right.add(Double(value)) }
        }
        try left.merge(right)
        for q in [0.1, 0.5, 0.99] { #expect(left.quantile(q) == whole.quantile(q)) }
        #expect(throws: SketchError.self) { try left.merge(DDSketch(relativeAccuracy: 0.02)) }
    }

    @Test func ddSketchSurvivesACodableRoundTrip() throws {
        var sketch = DDSketch(relativeAccuracy: 0.01)
        for value in stride(from: 0.5, to: 900, by: 1.7) { sketch.add(value) }
        let restored = try JSONDecoder().decode(DDSketch.self, from: JSONEncoder().encode(sketch))
        #expect(restored == sketch)
        #expect(DDSketch().quantile(0.5) == nil)
    }

    @Test(arguments: [(12, 10), (12, 1000), (12, 50_000), (14, 200_000)])
    func hyperLogLogErrorStaysWithinThreeStandardErrors(precision: Int, cardinality: Int) {
        var sketch = HyperLogLog(precision: precision)
        for index in 0..<cardinality {
            sketch.add("user-\(index)")
            sketch.add("user-\(index)")  // duplicates must not count
        }
        let standardError = 1.04 / Double(1 << precision).squareRoot()
        let relativeError = abs(sketch.estimate - Double(cardinality)) / Double(cardinality)
        #expect(relativeError <= 3 * standardError, "estimate \(sketch.estimate) for \(cardinality)")
    }

    @Test func mergedHyperLogLogsEstimateTheUnion() throws {
        var left = HyperLogLog(precision: 12)
        var right = HyperLogLog(precision: 12)
        var union = HyperLogLog(precision: 12)
        for index in 0..<30_000 {
            let item = "id-\(index)"
            union.add(item)
            if index < 20_000 { left.add(item) }
            if index >= 10_000 { right.add(item) }
        }
        try left.merge(right)
        #expect(left == union)
        let restored = try JSONDecoder().decode(HyperLogLog.self, from: JSONEncoder().encode(left))
        #expect(restored.estimate == left.estimate)
        #expect(throws: SketchError.self) { try left.merge(HyperLogLog(precision: 10)) }
    }

    @Test func hyperLogLogRejectsACorruptCheckpoint() {
        let corrupt = Data(#"{"precision":12,"registers":"AAAA"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(HyperLogLog.self, from: corrupt) }
        // Register index 4096 of a 4096-register sketch.
        let outOfRange = Data(#"{"precision":12,"sparse":"AAAQAAE="}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(HyperLogLog.self, from: outOfRange) }
    }

    @Test func aSketchOfFewItemsCheckpointsOnlyItsUsedRegisters() throws {
        var small = HyperLogLog(precision: 12)
        for item in ["DE", "FR", "US"] { small.add(item) }
        let smallJSON = try JSONEncoder().encode(small)
        #expect(smallJSON.count < 100)
        #expect(try JSONDecoder().decode(HyperLogLog.self, from: smallJSON) == small)

        var large = HyperLogLog(precision: 12)
        for item in 0..<5000 { large.add("user\(item)") }
        let largeJSON = try JSONEncoder().encode(large)
        #expect(String(decoding: largeJSON, as: UTF8.self).contains(#""registers":"#))
        #expect(try JSONDecoder().decode(HyperLogLog.self, from: largeJSON) == large)
    }

    @Test func spaceSavingIsExactWithinCapacityAndKeepsHeavyHittersBeyondIt() {
        var exact = SpaceSaving(capacity: 10)
        for (item, count) in [("a", 5), ("b", 9), ("c", 5), ("d", 1)] {
            for _ in 0..<count { exact.add(item) }
        }
        #expect(exact.top(3) == [
            .init(item: "b", count: 9, maxOverestimate: 0),
            .init(item: "a", count: 5, maxOverestimate: 0),
            .init(item: "c", count: 5, maxOverestimate: 0),
        ])

        var bounded = SpaceSaving(capacity: 5)
        var generator = SeededGenerator(seed: 3)
        for step in 0..<10_000 {
            bounded.add(step % 4 == 0 ? "hot" : "cold-\(generator.next() % 500)")
        }
        let top = bounded.top(1)
        #expect(top.first?.item == "hot")
        let hot = top.first.map { $0.count - $0.maxOverestimate } ?? 0
        #expect(hot <= 2500 && (top.first?.count ?? 0) >= 2500)
    }

    @Test func mergedSpaceSavingsAreExactWhileTheUnionFitsAndKeepHeavyHittersBeyond() {
        var left = SpaceSaving(capacity: 8)
        var right = SpaceSaving(capacity: 8)
        var whole = SpaceSaving(capacity: 8)
        for (index, item) in ["a", "b", "a", "c", "d", "a", "b", "e", "f", "b", "a", "g"].enumerated() {
            whole.add(item)
            if index % 2 == 0 { left.add(item) } else { right.add(item) }
        }
        left.merge(right)
        #expect(left.top(8) == whole.top(8))
        #expect(left.top(8).allSatisfy { $0.maxOverestimate == 0 })

        var generator = SeededGenerator(seed: 11)
        var parts = [SpaceSaving](repeating: SpaceSaving(capacity: 5), count: 3)
        for step in 0..<9000 {
            parts[step % 3].add(step % 3 == 0 ? "hot" : "cold-\(generator.next() % 300)")
        }
        var merged = parts[0]
        merged.merge(parts[1])
        merged.merge(parts[2])
        let top = merged.top(1)
        #expect(top.first?.item == "hot")
        // Never below the truth, and no more above it than the bound says.
        #expect((top.first?.count ?? 0) >= 3000)
        #expect(top.first.map { $0.count - $0.maxOverestimate } ?? .max <= 3000)
    }

    @Test func accumulatorsOfPartitionsMergeIntoTheAccumulatorOfTheWhole() {
        let functions: [AggregateFunction] = [
            .count, .sum(field: "x"), .min(field: "x"), .max(field: "x"), .average(field: "x"),
            .percentile(field: "x", quantile: 0.9, relativeAccuracy: 0.01), .distinctCount(field: "u", precision: 12),
            .topN(field: "u", n: 5, capacity: 100),
        ]
        var generator = SeededGenerator(seed: 5)
        let events = (0..<3000).map { index in
            event(["x": .number(Double(generator.next() % 10_000)), "u": .string("u\(generator.next() % 80)")], at: Int64(index))
        }
        for function in functions {
            var whole = Accumulator(function)
            var parts = [Accumulator](repeating: Accumulator(function), count: 4)
            for (index, event) in events.enumerated() {
                whole.add(event, for: function)
                parts[index % 4].add(event, for: function)
            }
            var merged = Accumulator(function)
            for part in parts { merged.merge(part) }
            if case .average = function {
                #expect(abs((merged.value.number ?? 0) - (whole.value.number ?? 1)) < 1e-9, "\(function)")
            } else {
                #expect(merged.value == whole.value, "\(function)")
            }
        }
        var empty = Accumulator(.min(field: "x"))
        empty.merge(Accumulator(.min(field: "x")))
        #expect(empty.value == .number(nil))
    }
}
