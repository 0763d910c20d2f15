/// Parses a line holding one JSON object into fields.
public struct JSONFieldParser: FieldParser {
    public init() {}

    public func parse(_ text: String, reference: Int64) throws(FieldParseError) -> ParsedRecord {
        let value: FieldValue
        do {
            value = try JSONReader.parse(text)
        } catch {
            throw FieldParseError(error.description)
        }
        guard case .object(let fields) = value else { throw FieldParseError("expected a JSON object") }
        return ParsedRecord(fields: fields)
    }
}
