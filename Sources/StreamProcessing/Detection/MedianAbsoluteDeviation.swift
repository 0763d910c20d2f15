/// Robust z-score: distance from the median of the recent points in units of their scaled MAD.
///
/// Deterministic: the score of a point depends only on the `window` points before it. A single outlier
/// moves neither median nor MAD much, so it does not mask the points after it.
struct MedianAbsoluteDeviation: Codable, Sendable, Equatable {
    /// Makes the MAD of normally distributed data estimate its standard deviation.
    private static let normalConsistency = 1.4826
    let window: Int
    let warmup: Int
    private var recent: [Double] = []

    init(window: Int, warmup: Int) {
        self.window = max(3, window)
        self.warmup = min(max(3, warmup), self.window)
    }

    mutating func score(_ value: Double) -> Double? {
        defer {
            recent.append(value)
            if recent.count > window { recent.removeFirst(recent.count - window) }
        }
        guard recent.count >= warmup else { return nil }
        let median = Self.median(recent)
        let mad = Self.median(recent.map { abs($0 - median) })
        let spread = max(Self.normalConsistency * mad, deviationFloor(level: median))
        return (value - median) / spread
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
