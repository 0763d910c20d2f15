/// One step of a pipeline's transform chain, applied to every event in order.
///
/// Every record starts as an event with the field `message` (its value as UTF-8 text), `_key`, `_topic`,
/// `_partition` and `_offset`, and the Kafka timestamp as event time.
public enum TransformSpec: Hashable, Codable, Sendable {
    /// Parses a JSON object in `field`; nested objects flatten to dotted names (`http.status`).
    case parseJSON(field: String)
    /// Parses `key=value key2="quoted value"` pairs in `field`.
    case parseLogfmt(field: String)
    /// Matches `pattern` against `field`; each named capture group becomes a field.
    case parseRegex(field: String, pattern: String)
    /// Keeps only the events for which the condition holds.
    case filter(FilterCondition)
    case rename(from: String, to: String)
    case drop(fields: [String])
    case set(field: String, value: FieldValue)
    case derive(field: String, expression: DeriveExpression)
    /// Takes event time from a field.
    case timestamp(field: String, format: TimestampFormat)
    /// Drops an event whose key fields equal those of an event kept less than `withinMillis` of event time before.
    case dedupe(keyFields: [String], withinMillis: Int64)
}

public enum TimestampFormat: String, Hashable, Codable, Sendable, CaseIterable {
    case iso8601
    case unixMillis = "unix_ms"
    case unixSeconds = "unix_s"
}

public struct FilterCondition: Hashable, Codable, Sendable {
    public enum Operator: String, Hashable, Codable, Sendable, CaseIterable {
        case equals = "eq", notEquals = "ne"
        case greaterThan = "gt", greaterOrEqual = "gte", lessThan = "lt", lessOrEqual = "lte"
        case contains, matches, exists, missing
    }

    public var field: String
    public var op: Operator
    /// Absent for `exists` / `missing`; a regular expression for `matches`.
    public var value: FieldValue?

    public init(field: String, op: Operator, value: FieldValue?) {
        self.field = field
        self.op = op
        self.value = value
    }
}

public enum DeriveExpression: Hashable, Codable, Sendable {
    /// `{service}/{route}`: each `{name}` replaced by that field's text (empty if absent).
    case template(String)
    /// A numeric field combined with a constant; absent when the field is not numeric.
    case arithmetic(field: String, op: ArithmeticOperator, operand: Double)
}

public enum ArithmeticOperator: String, Hashable, Codable, Sendable, CaseIterable {
    case add, subtract, multiply, divide

    func apply(_ value: Double, _ operand: Double) -> Double? {
        switch self {
        case .add: return value + operand
        case .subtract: return value - operand
        case .multiply: return value * operand
        case .divide: return operand == 0 ? nil : value / operand
        }
    }
}
