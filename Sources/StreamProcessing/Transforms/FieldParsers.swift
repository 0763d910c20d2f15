import Foundation

/// Parsers that turn the text of one field into named fields. They throw `FieldParseError` on bad input.
enum FieldParsers {
    private indirect enum JSONTree: Decodable {
        case object([String: JSONTree])
        case array([JSONTree])
        case scalar(FieldValue)

        init(from decoder: Decoder) throws {
            if let object = try? [String: JSONTree](from: decoder) {
                self = .object(object)
            } else if let array = try? [JSONTree](from: decoder) {
                self = .array(array)
            } else {
                self = .scalar(try FieldValue(from: decoder))
            }
        }

        func flatten(prefix: String, into fields: inout [String: FieldValue]) {
            switch self {
            case .object(let members):
                for (name, member) in members { member.flatten(prefix: prefix.isEmpty ? name : "\(prefix).\(name)", into: &fields) }
            case .array:
                fields[prefix] = .string(jsonText)
            case .scalar(let value):
                fields[prefix] = value
            }
        }

        /// Arrays stay one field, as their JSON text: a list has no natural flat name per element.
        var jsonText: String {
            switch self {
            case .object(let members):
                return "{" + members.sorted { $0.key < $1.key }.map { "\(Self.quote($0.key)):\($0.value.jsonText)" }.joined(separator: ",") + "}"
            case .array(let elements):
                return "[" + elements.map(\.jsonText).joined(separator: ",") + "]"
            case .scalar(.string(let text)): return Self.quote(text)
            case .scalar(.null): return "null"
            case .scalar(let value): return value.description
            }
        }

        private static func quote(_ text: String) -> String {
            let data = (try? JSONEncoder.sorted.encode(text)) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func json(_ text: String) throws(FieldParseError) -> [String: FieldValue] {
        let tree: JSONTree
        do {
            tree = try JSONDecoder().decode(JSONTree.self, from: Data(text.utf8))
        } catch {
            throw FieldParseError.invalidJSON(String(describing: error))
        }
        guard case .object = tree else { throw FieldParseError.invalidJSON("not a JSON object") }
        var fields: [String: FieldValue] = [:]
        tree.flatten(prefix: "", into: &fields)
        return fields
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
