import Foundation

/// A compiled regular expression (ICU syntax through NSRegularExpression) with its named capture
/// groups, `(?<name>…)` or `(?P<name>…)`. Names may contain underscores (`request_time`), which
/// ICU itself refuses: groups are renamed for ICU and reported under the names the pattern gave.
public struct LogRegex: Sendable {
    public let pattern: String
    public let groupNames: [String]
    private let expression: NSRegularExpression

    /// Throws the compiler's message for an invalid pattern.
    public init(_ pattern: String) throws {
        let nameFinder = try NSRegularExpression(pattern: #"\(\?P?<([A-Za-z][A-Za-z0-9_]*)>"#)
        var icuPattern = ""
        var names: [String] = []
        var copied = pattern.startIndex
        for match in nameFinder.matches(in: pattern, range: NSRange(pattern.startIndex..., in: pattern)) {
            guard let whole = Range(match.range, in: pattern), let name = Range(match.range(at: 1), in: pattern) else { continue }
            icuPattern += pattern[copied..<whole.lowerBound] + "(?<\(Self.icuName(names.count))>"
            names.append(String(pattern[name]))
            copied = whole.upperBound
        }
        icuPattern += pattern[copied...]
        self.pattern = pattern
        self.groupNames = names
        self.expression = try NSRegularExpression(pattern: icuPattern)
    }

    /// ICU group names are ASCII letters and digits only.
    private static func icuName(_ index: Int) -> String { "g\(index)" }

    /// Whether the pattern matches anywhere in `text`.
    public func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// The named groups of the first match (groups that did not take part are absent); nil when
    /// the pattern does not match.
    public func captures(in text: String) -> [String: String]? {
        guard let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        var captures: [String: String] = [:]
        for (index, name) in groupNames.enumerated() {
            if let range = Range(match.range(withName: Self.icuName(index)), in: text) { captures[name] = String(text[range]) }
        }
        return captures
    }
}
