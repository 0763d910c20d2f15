import JSONQuoting

/// Writes JSON text for flat field maps, byte for byte what `JSONEncoder` with sorted keys and unescaped
/// slashes writes, without its per-value boxing: sinks format every event this way, so it is on the hot path.
public enum JSONText {
    /// `{"a":1,"b":"x"}` with keys in ascending order; non-finite numbers as null.
    public static func object(_ fields: [String: FieldValue]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(fields.count * 32)
        output.append(UInt8(ascii: "{"))
        for (index, field) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            appendQuoted(field.key, to: &output)
            output.append(UInt8(ascii: ":"))
            append(field.value, to: &output)
        }
        output.append(UInt8(ascii: "}"))
        return String(decoding: output, as: UTF8.self)
    }

    static func append(_ value: FieldValue, to output: inout [UInt8]) {
        switch value {
        case .string(let text): appendQuoted(text, to: &output)
        case .number(let number): output += (number.isFinite ? numberText(number) : "null").utf8
        case .bool(let flag): output += (flag ? "true" : "false").utf8
        case .null: output += "null".utf8
        }
    }

    /// Shortest round-trip digits, without a trailing `.0`: `3`, `0.1`, `1e+21`.
    static func numberText(_ number: Double) -> String {
        let text = number.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// A JSON string literal: quote, backslash and control characters escaped, everything else as is.
    public static func appendQuoted(_ text: String, to output: inout String) {
        var bytes: [UInt8] = []
        appendQuoted(text, to: &bytes)
        output += String(decoding: bytes, as: UTF8.self)
    }

    public static func quoted(_ text: String) -> String {
        var output = ""
        appendQuoted(text, to: &output)
        return output
    }

    static func appendQuoted(_ text: String, to output: inout [UInt8]) {
        JSONQuoting.appendQuoted(text, to: &output)
    }
}
