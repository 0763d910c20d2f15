import Foundation

/// A compiled regular expression (ICU syntax through NSRegularExpression) with its named capture
/// groups, `(?<name>…)` or `(?P<name>…)`.
public struct LogRegex: Sendable {
    public let pattern: String
    public let groupNames: [String]
    private let expression: NSRegularExpression

    /// Throws the compiler's message for an invalid pattern.
    public init(_ pattern: String) throws {
        // ICU does not know Python's `(?P<name>` spelling; accept it as `(?<name>`.
        let icuPattern = pattern.replacingOccurrences(of: "(?P<", with: "(?<")
        self.pattern = pattern
        self.expression = try NSRegularExpression(pattern: icuPattern)
        let nameFinder = try NSRegularExpression(pattern: #"\(\?<([A-Za-z][A-Za-z0-9_]*)>"#)
        let range = NSRange(icuPattern.startIndex..., in: icuPattern)
        groupNames = nameFinder.matches(in: icuPattern, range: range).compactMap { match in
            Range(match.range(at: 1), in: icuPattern).map { String(icuPattern[$0]) }
        }
    }

    /// Whether the pattern matches anywhere in `text`.
    public func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// The named groups of the first match (groups that did not take part are absent); nil when
    /// the pattern does not match.
    public func captures(in text: String) -> [String: String]? {
        guard let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        var captures: [String: String] = [:]
        for name in groupNames {
            if let range = Range(match.range(withName: name), in: text) { captures[name] = String(text[range]) }
        }
        return captures
    }
}
