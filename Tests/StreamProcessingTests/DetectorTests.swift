import Foundation
import Testing
@testable import StreamProcessing

@Suite struct DetectorTests {
    /// Noise around 100 (±5), with a large swing inside the warm-up and one spike at `spikeIndex`.
    static func series(count: Int, spikeIndex: Int, seasonal: Bool = false) -> [Double] {
        var generator = SeededGenerator(seed: 11)
        return (0..<count).map { index in
            let noise = Double(generator.next() % 1000) / 100 - 5
            let season = seasonal ? 60 * sin(Double(index % 24) / 24 * 2 * .pi) : 0
            var value = 100 + noise + season
            if index == 3 { value += 40 }
            if index == spikeIndex { value += 80 }
            return value
        }
    }

    static func flagged(_ method: DetectorMethod, _ values: [Double], periodMillis: Int64? = nil) -> (anomalies: [Int], scored: [Int]) {
        var bank = DetectorBank(specs: [DetectorSpec(name: "d", aggregation: "agg", column: "v", method: method, seasonalityPeriodMillis: periodMillis)])
        var anomalies: [Int] = []
        var scored: [Int] = []
        for (index, value) in values.enumerated() {
            let result = WindowResult(aggregation: "agg", groupKey: GroupKey(fields: [], values: []),
                                      windowStartMillis: Int64(index) * 60_000, windowEndMillis: Int64(index + 1) * 60_000,
                                      revision: 0, isFinal: true, values: ["v": .number(value)])
            for verdict in bank.observe(result) {
                if verdict.score != nil { scored.append(index) }
                if verdict.isAnomaly { anomalies.append(index) }
            }
        }
        return (anomalies, scored)
    }

    @Test func ewmaFlagsExactlyTheSpikeAndNothingDuringWarmup() {
        let (anomalies, scored) = Self.flagged(.ewmaZScore(alpha: 0.1, threshold: 5, warmup: 80), Self.series(count: 300, spikeIndex: 200))
        #expect(anomalies == [200])
        #expect(scored.first == 80)
    }

    @Test func madFlagsExactlyTheSpikeAndNothingDuringWarmup() {
        let (anomalies, scored) = Self.flagged(.medianAbsoluteDeviation(window: 30, threshold: 6, warmup: 20), Self.series(count: 300, spikeIndex: 200))
        #expect(anomalies == [200])
        #expect(scored.first == 20)
    }

    @Test func seasonalityComparesWithTheSameSlotOnePeriodAgo() {
        let values = Self.series(count: 24 * 12, spikeIndex: 24 * 9 + 5, seasonal: true)
        let period: Int64 = 24 * 60_000
        let plain = Self.flagged(.medianAbsoluteDeviation(window: 48, threshold: 6, warmup: 24), values)
        let seasonal = Self.flagged(.medianAbsoluteDeviation(window: 48, threshold: 6, warmup: 24), values, periodMillis: period)
        // Without seasonality the daily swing hides the spike; with it only the spike stands out, and it is
        // not flagged again (mirrored) one period later.
        #expect(!plain.anomalies.contains(24 * 9 + 5))
        #expect(seasonal.anomalies == [24 * 9 + 5])
        #expect(seasonal.scored.first == 24 + 24)
    }

    @Test func detectorsAreDeterministicAndSkipLateRevisions() {
        let values = Self.series(count: 120, spikeIndex: 100)
        let first = Self.flagged(.ewmaZScore(alpha: 0.2, threshold: 5, warmup: 30), values)
        let second = Self.flagged(.ewmaZScore(alpha: 0.2, threshold: 5, warmup: 30), values)
        #expect(first.anomalies == second.anomalies)
        var bank = DetectorBank(specs: [DetectorSpec(name: "d", aggregation: "agg", column: "v", method: .ewmaZScore(alpha: 0.2, threshold: 5, warmup: 1))])
        let update = WindowResult(aggregation: "agg", groupKey: GroupKey(fields: [], values: []), windowStartMillis: 0,
                                  windowEndMillis: 1, revision: 1, isFinal: false, values: ["v": .number(1)])
        #expect(bank.observe(update).isEmpty)
    }
}
