/// An anomaly detector over one aggregate column, run separately for every group key.
public struct DetectorSpec: Hashable, Codable, Sendable {
    public var name: String
    public var aggregation: String
    public var column: String
    public var method: DetectorMethod
    /// When set, each point is compared with the point of the same slot one period earlier
    /// (its window start minus the period) rather than with the recent level.
    public var seasonalityPeriodMillis: Int64?

    public init(name: String, aggregation: String, column: String, method: DetectorMethod, seasonalityPeriodMillis: Int64? = nil) {
        self.name = name
        self.aggregation = aggregation
        self.column = column
        self.method = method
        self.seasonalityPeriodMillis = seasonalityPeriodMillis
    }
}

public enum DetectorMethod: Hashable, Codable, Sendable {
    /// z-score against an exponentially weighted mean and variance; the first `warmup` points are not scored.
    case ewmaZScore(alpha: Double, threshold: Double, warmup: Int)
    /// Robust z-score against the median and MAD of the last `window` points; scoring starts once `warmup`
    /// points are in the window.
    case medianAbsoluteDeviation(window: Int, threshold: Double, warmup: Int)

    var threshold: Double {
        switch self {
        case .ewmaZScore(_, let threshold, _), .medianAbsoluteDeviation(_, let threshold, _): return threshold
        }
    }
}

/// The detector's judgement of one point of one series.
public struct AnomalyVerdict: Hashable, Codable, Sendable {
    public var detector: String
    public var groupKey: GroupKey
    public var windowStartMillis: Int64
    public var windowEndMillis: Int64
    public var value: Double
    /// nil during warm-up (or, with seasonality, while the previous period has no point for this slot).
    public var score: Double?
    public var isAnomaly: Bool
}

/// Keeps a flat series from turning tiny wiggles into huge scores: the spread used for scoring is at least
/// 1% of the level (and never zero).
func deviationFloor(level: Double) -> Double {
    max(abs(level) * 0.01, 1e-9)
}
