/// Parses logfmt (`level=info msg="hello world" took=12ms cached`): pairs separated by spaces,
/// values optionally double-quoted with `\"` and `\\` escapes, a bare key meaning `true`. Values
/// stay strings, as logfmt has no types.
public struct LogfmtParser: FieldParser {
    public init() {}

    public func parse(_ text: String, reference: Int64) throws(FieldParseError) -> ParsedRecord {
        var scanner = TextScanner(text)
        var fields: [String: FieldValue] = [:]
        while true {
            scanner.skipSpaces()
            guard !scanner.isAtEnd else { break }
            let key = scanner.token(until: [0x20, 0x09, UInt8(ascii: "=")])
            guard !key.isEmpty else { throw FieldParseError("empty key at byte \(scanner.position)") }
            guard scanner.skip(UInt8(ascii: "=")) else {
                fields[key] = .bool(true)
                continue
            }
            if scanner.skip(UInt8(ascii: "\"")) {
                fields[key] = .string(try quoted(&scanner, key: key))
            } else {
                fields[key] = .string(scanner.token(until: [0x20, 0x09]))
            }
        }
        guard !fields.isEmpty else { throw FieldParseError("no key=value pairs") }
        return ParsedRecord(fields: fields)
    }

    private func quoted(_ scanner: inout TextScanner, key: String) throws(FieldParseError) -> String {
        var value: [UInt8] = []
        while let byte = scanner.current {
            scanner.position += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let next = scanner.current else { break }
                scanner.position += 1
                switch next {
                case UInt8(ascii: "n"): value.append(0x0A)
                case UInt8(ascii: "t"): value.append(0x09)
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): value.append(next)
                default: value.append(contentsOf: [byte, next])
                }
            default: value.append(byte)
            }
        }
        throw FieldParseError("unterminated quoted value of '\(key)'")
    }
}
