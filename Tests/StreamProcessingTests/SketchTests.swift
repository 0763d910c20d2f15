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
}
