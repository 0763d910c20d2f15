import Foundation

/// Parsers that turn the text of one field into named fields. They throw `FieldParseError` on bad input.
enum FieldParsers {
    /// See `JSONFieldParser`.
    static func json(_ text: String) throws(FieldParseError) -> [String: FieldValue] {
        try JSONFieldParser.parse(text)
    }

    /// logfmt: space-separated `key=value`, values optionally double-quoted with `\"` and `\\` escapes;
    /// a bare `key` means `key=true`.
    static func logfmt(_ text: String) throws(FieldParseError) -> [String: FieldValue] {
        var fields: [String: FieldValue] = [:]
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            while index < characters.count, characters[index] == " " { index += 1 }
            guard index < characters.count else { break }
            var key = ""
            while index < characters.count, characters[index] != "=", characters[index] != " " {
                key.append(characters[index])
                index += 1
            }
            guard index < characters.count, characters[index] == "=" else {
                fields[key] = .bool(true)
                continue
            }
            index += 1
            var value = ""
            if index < characters.count, characters[index] == "\"" {
                index += 1
                var closed = false
                while index < characters.count {
                    let character = characters[index]
                    if character == "\\", index + 1 < characters.count {
                        value.append(characters[index + 1])
                        index += 2
                    } else if character == "\"" {
                        index += 1
                        closed = true
                        break
                    } else {
                        value.append(character)
                        index += 1
                    }
                }
                guard closed else { throw FieldParseError.invalidLogfmt("unterminated quote in value of \(key)") }
            } else {
                while index < characters.count, characters[index] != " " {
                    value.append(characters[index])
                    index += 1
                }
            }
            guard !key.isEmpty else { throw FieldParseError.invalidLogfmt("value without a key at character \(index)") }
            fields[key] = .string(value)
        }
        return fields
    }
}

public enum FieldParseError: Error, Hashable, CustomStringConvertible {
    case missingField(String)
    case invalidJSON(String)
    case invalidLogfmt(String)
    case noRegexMatch(field: String)
    case invalidTimestamp(field: String, value: String)

    public var description: String {
        switch self {
        case .missingField(let field): return "field \(field) is missing"
        case .invalidJSON(let detail): return "invalid JSON: \(detail)"
        case .invalidLogfmt(let detail): return "invalid logfmt: \(detail)"
        case .noRegexMatch(let field): return "field \(field) does not match the pattern"
        case .invalidTimestamp(let field, let value): return "field \(field) is not a timestamp: \(value.prefix(64))"
        }
    }
}
