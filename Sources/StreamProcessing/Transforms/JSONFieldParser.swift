/// Parses one JSON object into flat fields in a single pass over its UTF-8 bytes: nested objects become
/// dotted names (`http.status`), arrays stay one field holding their JSON text (keys of objects inside
/// sorted, so the same array always reads the same), numbers are doubles.
///
/// Input comes from the network: anything that is not JSON, a top level that is not an object, or
/// nesting deeper than `maximumDepth` is an `invalidJSON` error naming the byte offset, never a trap.
struct JSONFieldParser {
    static let maximumDepth = 128

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var fields: [String: FieldValue] = [:]

    static func parse(_ text: String) throws(FieldParseError) -> [String: FieldValue] {
        var text = text
        let result: Result<[String: FieldValue], FieldParseError> = text.withUTF8 { buffer in
            var parser = JSONFieldParser(bytes: buffer)
            do throws(FieldParseError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private mutating func parseDocument() throws(FieldParseError) -> [String: FieldValue] {
        skipWhitespace()
        guard peek == UInt8(ascii: "{") else {
            _ = try parseValue(depth: 1)  // so that text which is not JSON at all says where it goes wrong
            throw .invalidJSON("not a JSON object")
        }
        try parseObject(prefix: "", depth: 1)
        skipWhitespace()
        guard position == bytes.count else { throw error("unexpected text after the object") }
        return fields
    }

    /// Flattens an object's members into `fields` under `prefix`.
    private mutating func parseObject(prefix: String, depth: Int) throws(FieldParseError) {
        guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels") }
        position += 1  // {
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let key = try parseString()
            let name = prefix.isEmpty ? key : prefix + "." + key
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("expected :") }
            position += 1
            skipWhitespace()
            switch peek {
            case UInt8(ascii: "{"):
                try parseObject(prefix: name, depth: depth + 1)
            case UInt8(ascii: "["):
                fields[name] = .string(try parseValue(depth: depth + 1).jsonText)
            default:
                fields[name] = try parseScalar()
            }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return
            default: throw error("expected , or }")
            }
        }
    }

    /// A value inside an array: kept whole, to be rendered back as JSON text.
    private indirect enum Value {
        case object([(String, Value)])
        case array([Value])
        case scalar(FieldValue)

        var jsonText: String {
            switch self {
            case .object(let members):
                var latest: [String: Value] = [:]
                for (key, value) in members { latest[key] = value }
                return "{" + latest.sorted { $0.key < $1.key }.map { JSONText.quoted($0.key) + ":" + $0.value.jsonText }
                    .joined(separator: ",") + "}"
            case .array(let elements):
                return "[" + elements.map(\.jsonText).joined(separator: ",") + "]"
            case .scalar(.string(let text)): return JSONText.quoted(text)
            case .scalar(.null): return "null"
            case .scalar(let value): return value.description
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(FieldParseError) -> Value {
        guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels") }
        skipWhitespace()
        switch peek {
        case UInt8(ascii: "["):
            position += 1
            var elements: [Value] = []
            skipWhitespace()
            if peek == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"):
                    position += 1
                    return .array(elements)
                default: throw error("expected , or ]")
                }
            }
        case UInt8(ascii: "{"):
            position += 1
            var members: [(String, Value)] = []
            skipWhitespace()
            if peek == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw error("expected a member name") }
                let key = try parseString()
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { throw error("expected :") }
                position += 1
                members.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"):
                    position += 1
                    return .object(members)
                default: throw error("expected , or }")
                }
            }
        default:
            return .scalar(try parseScalar())
        }
    }

    private mutating func parseScalar() throws(FieldParseError) -> FieldValue {
        switch peek {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case let byte? where byte == UInt8(ascii: "-") || Self.isDigit(byte): return .number(try parseNumber())
        default: throw error("expected a value")
        }
    }

    private mutating func parseLiteral(_ word: StaticString, _ value: FieldValue) throws(FieldParseError) -> FieldValue {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count,
              UnsafeBufferPointer(start: word.utf8Start, count: count).elementsEqual(bytes[position..<position + count]) else {
            throw error("expected \(word)")
        }
        position += count
        return value
    }

    private mutating func parseNumber() throws(FieldParseError) -> Double {
        let start = position
        if peek == UInt8(ascii: "-") { position += 1 }
        guard let first = peek, Self.isDigit(first) else { throw error("expected a digit") }
        var integer: Int64 = 0
        var digits = 0
        if first == UInt8(ascii: "0") {
            position += 1
        } else {
            while let byte = peek, Self.isDigit(byte) {
                if digits < 18 { integer = integer * 10 + Int64(byte - UInt8(ascii: "0")) }
                digits += 1
                position += 1
            }
        }
        var isInteger = digits <= 15
        if peek == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard let byte = peek, Self.isDigit(byte) else { throw error("expected a digit after .") }
            while let byte = peek, Self.isDigit(byte) { position += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard let byte = peek, Self.isDigit(byte) else { throw error("expected a digit in the exponent") }
            while let byte = peek, Self.isDigit(byte) { position += 1 }
        }
        if isInteger { return Double(bytes[start] == UInt8(ascii: "-") ? -integer : integer) }
        guard let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else { throw error("invalid number") }
        return value
    }

    private mutating func parseString() throws(FieldParseError) -> String {
        position += 1  // "
        let start = position
        while let byte = peek, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw error("control character in a string") }
            position += 1
        }
        guard let stop = peek else { throw error("unterminated string") }
        if stop == UInt8(ascii: "\"") {
            position += 1
            return String(decoding: bytes[start..<position - 1], as: UTF8.self)
        }
        var text = Array(bytes[start..<position])
        while true {
            guard let byte = peek else { throw error("unterminated string") }
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { throw error("unterminated string") }
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escaped)
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0C)
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "u"): text += try parseUnicodeEscape()
                default: throw error("invalid escape")
                }
            case _ where byte < 0x20:
                throw error("control character in a string")
            default:
                text.append(byte)
            }
        }
    }

    /// After `\u`: four hex digits, or a surrogate pair of two escapes; a lone surrogate becomes U+FFFD.
    private mutating func parseUnicodeEscape() throws(FieldParseError) -> [UInt8] {
        var code = try hexQuad()
        if (0xD800...0xDBFF).contains(code), position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
           bytes[position + 1] == UInt8(ascii: "u") {
            let saved = position
            position += 2
            let low = try hexQuad()
            if (0xDC00...0xDFFF).contains(low) {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else {
                position = saved
            }
        }
        let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func hexQuad() throws(FieldParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func error(_ detail: String) -> FieldParseError {
        .invalidJSON("\(detail) at byte \(position)")
    }
}
