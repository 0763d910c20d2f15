/// The detector state of one series (one detector, one group key), optionally seasonal.
///
/// With a seasonality period the inner detector scores the difference between a point and the point of
/// the same slot one period earlier. An anomalous point is remembered as its expected value (the earlier
/// slot's), so one spike is not flagged a second time, mirrored, one period later.
struct SeriesDetector: Codable, Sendable, Equatable {
    enum Core: Codable, Sendable, Equatable {
        case ewma(EWMAZScore)
        case mad(MedianAbsoluteDeviation)

        mutating func score(_ value: Double) -> Double? {
            switch self {
            case .ewma(var detector):
                let score = detector.score(value)
                self = .ewma(detector)
                return score
            case .mad(var detector):
                let score = detector.score(value)
                self = .mad(detector)
                return score
            }
        }
    }

    private var core: Core
    let threshold: Double
    let seasonalityPeriodMillis: Int64?
    /// Window start → remembered value, for the last period only.
    private var seasonalHistory: [Int64: Double] = [:]

    init(method: DetectorMethod, seasonalityPeriodMillis: Int64?) {
        switch method {
        case .ewmaZScore(let alpha, _, let warmup): core = .ewma(EWMAZScore(alpha: alpha, warmup: warmup))
        case .medianAbsoluteDeviation(let window, _, let warmup): core = .mad(MedianAbsoluteDeviation(window: window, warmup: warmup))
        }
        threshold = method.threshold
        self.seasonalityPeriodMillis = seasonalityPeriodMillis.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Scores a point; nil while warming up.
    mutating func observe(windowStartMillis: Int64, value: Double) -> Double? {
        guard let period = seasonalityPeriodMillis else { return core.score(value) }
        let slotAgo = windowStartMillis - period
        seasonalHistory = seasonalHistory.filter { $0.key >= slotAgo }
        guard let previous = seasonalHistory[slotAgo] else {
            seasonalHistory[windowStartMillis] = value
            return nil
        }
        let score = core.score(value - previous)
        let isAnomaly = score.map { abs($0) >= threshold } ?? false
        seasonalHistory[windowStartMillis] = isAnomaly ? previous : value
        return score
    }
}
