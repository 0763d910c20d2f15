/// An alert rule: what it watches, when it fires, and how long it stays quiet after resolving.
public struct AlertRuleSpec: Hashable, Codable, Sendable {
    public var name: String
    public var source: AlertSource
    public var condition: AlertCondition
    /// After an alert resolves, the same rule and key does not fire again until this much event time passed.
    public var cooldownMillis: Int64
    public var severity: String

    public init(name: String, source: AlertSource, condition: AlertCondition, cooldownMillis: Int64 = 0, severity: String = "warning") {
        self.name = name
        self.source = source
        self.condition = condition
        self.cooldownMillis = max(0, cooldownMillis)
        self.severity = severity
    }
}

public enum AlertSource: Hashable, Codable, Sendable, CustomStringConvertible {
    /// A number column of a windowed aggregation (first emission of each window).
    case column(aggregation: String, column: String)
    /// The verdicts of a detector.
    case detector(String)

    public var description: String {
        switch self {
        case .column(let aggregation, let column): return "\(aggregation).\(column)"
        case .detector(let name): return "detector \(name)"
        }
    }
}

public enum AlertCondition: Hashable, Codable, Sendable {
    case threshold(Comparison, Double)
    /// Change from the previous point of the series: `(x − previous) / |previous|` when relative, else `x − previous`.
    case rateOfChange(Comparison, Double, relative: Bool)
    /// No window with data for this key in the last `windows` windows the watermark closed.
    case absence(windows: Int)
    /// A detector verdict with |score| at least this.
    case anomalyScore(atLeast: Double)
}

public enum Comparison: String, Hashable, Codable, Sendable, CaseIterable {
    case greaterThan = ">"
    case greaterOrEqual = ">="
    case lessThan = "<"
    case lessOrEqual = "<="

    public func holds(_ value: Double, _ limit: Double) -> Bool {
        switch self {
        case .greaterThan: return value > limit
        case .greaterOrEqual: return value >= limit
        case .lessThan: return value < limit
        case .lessOrEqual: return value <= limit
        }
    }
}
