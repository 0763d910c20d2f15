/// Parses a line with a regular expression's named capture groups; each group that took part
/// becomes a string field. A line the pattern does not match is a parse failure.
public struct RegexParser: FieldParser {
    public let regex: LogRegex

    public init(regex: LogRegex) { self.regex = regex }

    public func parse(_ text: String, reference: Int64) throws(FieldParseError) -> ParsedRecord {
        guard let captures = regex.captures(in: text) else { throw FieldParseError("pattern does not match") }
        return ParsedRecord(fields: captures.mapValues(FieldValue.string))
    }
}
