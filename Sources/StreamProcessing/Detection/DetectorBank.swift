/// Runs every configured detector over the first emission of every window, per group key.
///
/// Only revision 0 of a window is scored: each window is one point of the series, and later revisions
/// (late events) would otherwise score the same slot twice.
public struct DetectorBank: Codable, Sendable, Equatable {
    public let specs: [DetectorSpec]
    private var series: [String: [GroupKey: SeriesDetector]] = [:]

    public init(specs: [DetectorSpec]) {
        self.specs = specs
    }

    public mutating func observe(_ result: WindowResult) -> [AnomalyVerdict] {
        guard result.revision == 0 else { return [] }
        var verdicts: [AnomalyVerdict] = []
        for spec in specs where spec.aggregation == result.aggregation {
            guard let value = result.values[spec.column]?.number else { continue }
            var detector = series[spec.name]?[result.groupKey]
                ?? SeriesDetector(method: spec.method, seasonalityPeriodMillis: spec.seasonalityPeriodMillis)
            let score = detector.observe(windowStartMillis: result.windowStartMillis, value: value)
            series[spec.name, default: [:]][result.groupKey] = detector
            verdicts.append(AnomalyVerdict(
                detector: spec.name, groupKey: result.groupKey,
                windowStartMillis: result.windowStartMillis, windowEndMillis: result.windowEndMillis,
                value: value, score: score, isAnomaly: score.map { abs($0) >= spec.method.threshold } ?? false))
        }
        return verdicts
    }
}
