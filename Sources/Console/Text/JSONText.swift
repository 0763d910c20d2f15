import Foundation

/// Record values that are JSON, re-indented for reading. Keys keep their order and numbers their
/// exact spelling: the text is only re-spaced, never re-encoded.
enum JSONText {
    /// The indented text, or nil when `text` is not a JSON object or array.
    static func prettyPrinted(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = trimmed.first, first == "{" || first == "[",
            (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) != nil
        else { return nil }
        return indent(trimmed)
    }

    /// Re-spaces valid JSON: one member per line, two spaces per level, empty containers kept short.
    private static func indent(_ json: String) -> String {
        var output = ""
        var level = 0
        var inString = false
        var escaped = false
        let characters = Array(json)
        var index = 0
        func newline() { output += "\n" + String(repeating: "  ", count: level) }
        while index < characters.count {
            let character = characters[index]
            defer { index += 1 }
            if inString {
                output.append(character)
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                continue
            }
            switch character {
            case "\"":
                inString = true
                output.append(character)
            case "{", "[":
                let closing: Character = character == "{" ? "}" : "]"
                if let next = characters[(index + 1)...].first(where: { !$0.isWhitespace }), next == closing {
                    output += String(character) + String(closing)
                    index = characters[(index + 1)...].firstIndex(of: closing) ?? index
                } else {
                    output.append(character)
                    level += 1
                    newline()
                }
            case "}", "]":
                level -= 1
                newline()
                output.append(character)
            case ",":
                output.append(character)
                newline()
            case ":":
                output += ": "
            case _ where character.isWhitespace:
                break
            default:
                output.append(character)
            }
        }
        return output
    }
}
