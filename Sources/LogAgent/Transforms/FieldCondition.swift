/// A test on one value of an event, for filters and sampling exclusions.
public struct FieldCondition: Sendable, Equatable {
    public enum Test: Sendable, Equatable {
        /// Compares as text (`200` equals `"200"`).
        case equals(String)
        case notEquals(String)
        case contains(String)
        case matches(LogRegex)
        /// Whether the value is present (`true`) or absent (`false`).
        case exists(Bool)
        case oneOf([String])
        /// Numeric comparisons; a value that is not a number fails them.
        case greaterThan(Double)
        case lessThan(Double)
        /// For `severity`: at least as severe as the given level; events without one fail it.
        case severityAtLeast(Severity)
    }

    public let field: FieldPath
    public let test: Test

    public init(field: FieldPath, test: Test) {
        self.field = field
        self.test = test
    }

    public func holds(for event: LogEvent) -> Bool {
        let value = event[field]
        switch test {
        case .exists(let expected): return (value != nil && value != .null) == expected
        case .notEquals(let text): return value?.text != text
        case .severityAtLeast(let level): return event.severity.map { $0 <= level } ?? false
        default: break
        }
        guard let value else { return false }
        switch test {
        case .equals(let text): return value.text == text
        case .contains(let text): return value.text?.contains(text) ?? false
        case .matches(let regex): return value.text.map(regex.matches) ?? false
        case .oneOf(let texts): return value.text.map(texts.contains) ?? false
        case .greaterThan(let bound): return value.number.map { $0 > bound } ?? false
        case .lessThan(let bound): return value.number.map { $0 < bound } ?? false
        case .exists, .notEquals, .severityAtLeast: return false
        }
    }
}

extension Array where Element == FieldCondition {
    /// All conditions hold (an empty list holds).
    func allHold(for event: LogEvent) -> Bool { allSatisfy { $0.holds(for: event) } }
}

/// Two compiled expressions are the same condition when their patterns are (configurations compare equal).
extension LogRegex: Equatable {
    public static func == (lhs: LogRegex, rhs: LogRegex) -> Bool { lhs.pattern == rhs.pattern }
}
