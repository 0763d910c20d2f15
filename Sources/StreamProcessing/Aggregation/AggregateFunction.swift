/// One output column of a windowed aggregation and how it is computed from the events of a window.
///
/// Events lacking the field, or whose field is not numeric for numeric functions, do not contribute.
public enum AggregateFunction: Hashable, Codable, Sendable {
    case count
    case sum(field: String)
    case min(field: String)
    case max(field: String)
    case average(field: String)
    /// A quantile in 0...1 from a DDSketch of the given relative accuracy.
    case percentile(field: String, quantile: Double, relativeAccuracy: Double)
    /// Distinct values from a HyperLogLog of the given precision (standard error ≈ 1.04/√2^precision).
    case distinctCount(field: String, precision: Int)
    /// The `n` most frequent values; exact while a window sees at most `capacity` distinct values.
    case topN(field: String, n: Int, capacity: Int)
}

/// A named output column of an aggregation.
public struct AggregateColumn: Hashable, Codable, Sendable {
    public var name: String
    public var function: AggregateFunction

    public init(name: String, function: AggregateFunction) {
        self.name = name
        self.function = function
    }
}

/// The value of one aggregate column for one window.
public enum AggregateValue: Hashable, Codable, Sendable {
    /// nil when no event contributed (min, max, average, percentile of nothing).
    case number(Double?)
    case ranking([SpaceSaving.Entry])

    public var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }
}
