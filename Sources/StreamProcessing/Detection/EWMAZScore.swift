import Foundation

/// Exponentially weighted moving mean and variance, scoring each point before it updates them.
///
/// Deterministic: the score of a point depends only on the points before it. Points up to `warmup` are
/// absorbed without a score, so an unsettled baseline never flags.
struct EWMAZScore: Codable, Sendable, Equatable {
    let alpha: Double
    let warmup: Int
    private(set) var count = 0
    private var mean = 0.0
    private var variance = 0.0

    init(alpha: Double, warmup: Int) {
        self.alpha = min(max(alpha, 1e-6), 1)
        self.warmup = max(1, warmup)
    }

    mutating func score(_ value: Double) -> Double? {
        count += 1
        guard count > 1 else {
            mean = value
            return nil
        }
        let spread = max(variance.squareRoot(), deviationFloor(level: mean))
        let score = count > warmup ? (value - mean) / spread : nil
        let difference = value - mean
        let increment = alpha * difference
        mean += increment
        variance = (1 - alpha) * (variance + difference * increment)
        return score
    }
}
