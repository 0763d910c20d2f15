/// Parses the access log line nginx and Apache write by default, the combined format
/// (`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer"
/// "$http_user_agent"`), and the common format without the last two. Fields: `client`, `ident`,
/// `user`, `request`, `method`, `path`, `protocol`, `status`, `bytes`, `referer`, `user_agent`
/// (`-` values are left out; a request that is not `METHOD PATH PROTOCOL`, like a TLS handshake
/// sent to a plain port, keeps only `request`). The time becomes the event's timestamp and the
/// status its severity: 5xx error, 4xx warning, else info. Text after the user agent (custom
/// formats) is ignored.
public struct AccessLogParser: FieldParser {
    private static let timeParser = TimestampParser(formats: [.commonLog])

    public init() {}

    public func parse(_ text: String, reference: Int64) throws(FieldParseError) -> ParsedRecord {
        var scanner = TextScanner(text)
        // Room for every field at once: growing a dictionary rehashes it each time.
        var fields: [String: FieldValue] = Dictionary(minimumCapacity: 11)
        func word(_ name: String) throws(FieldParseError) -> String {
            let value = scanner.token(until: [0x20])
            guard !value.isEmpty, scanner.skipSpaces() else { throw FieldParseError("missing \(name)") }
            return value
        }
        fields["client"] = .string(try word("client address"))
        for name in ["ident", "user"] {
            let value = try word(name)
            if value != "-" { fields[name] = .string(value) }
        }
        guard scanner.skip(UInt8(ascii: "[")) else { throw FieldParseError("missing [time]") }
        let timeText = scanner.token(until: [UInt8(ascii: "]")])
        guard scanner.skip(UInt8(ascii: "]")), scanner.skipSpaces(),
            let timestamp = Self.timeParser.parse(timeText, reference: reference)
        else { throw FieldParseError("invalid time '\(timeText)'") }
        let request = try quoted(&scanner, name: "request")
        fields["request"] = .string(request)
        if let parts = Self.threeWords(request) {
            fields["method"] = .string(parts.0)
            fields["path"] = .string(parts.1)
            fields["protocol"] = .string(parts.2)
        }
        scanner.skipSpaces()
        guard let status = scanner.digits(minimum: 3, maximum: 3) else { throw FieldParseError("invalid status") }
        fields["status"] = .int(Int64(status))
        scanner.skipSpaces()
        if let bytes = scanner.digits(maximum: 19) {
            fields["bytes"] = .int(Int64(bytes))
        } else if scanner.skip(UInt8(ascii: "-")) {
            fields["bytes"] = .int(0)
        } else {
            throw FieldParseError("invalid byte count")
        }
        if scanner.skipSpaces(), scanner.current == UInt8(ascii: "\"") {
            let referer = try quoted(&scanner, name: "referer")
            if referer != "-" { fields["referer"] = .string(referer) }
            scanner.skipSpaces()
            let userAgent = try quoted(&scanner, name: "user agent")
            if userAgent != "-" { fields["user_agent"] = .string(userAgent) }
        }
        let severity: Severity = status >= 500 ? .error : status >= 400 ? .warning : .informational
        return ParsedRecord(fields: fields, timestamp: timestamp, severity: severity)
    }

    /// The words of `text` separated by runs of spaces, when there are exactly three.
    private static func threeWords(_ text: String) -> (String, String, String)? {
        var text = text
        return text.withUTF8 { bytes -> (String, String, String)? in
            var index = 0
            func nextWord() -> UnsafeBufferPointer<UInt8>? {
                while index < bytes.count, bytes[index] == 0x20 { index += 1 }
                let start = index
                while index < bytes.count, bytes[index] != 0x20 { index += 1 }
                return index > start ? UnsafeBufferPointer(rebasing: bytes[start..<index]) : nil
            }
            guard let first = nextWord(), let second = nextWord(), let third = nextWord(), nextWord() == nil else { return nil }
            return (String(decoding: first, as: UTF8.self), String(decoding: second, as: UTF8.self), String(decoding: third, as: UTF8.self))
        }
    }

    /// A double-quoted value; nginx escapes `"` and non-printable bytes as `\xHH`, which are kept
    /// as written.
    private func quoted(_ scanner: inout TextScanner, name: String) throws(FieldParseError) -> String {
        guard scanner.skip(UInt8(ascii: "\"")) else { throw FieldParseError("missing quoted \(name)") }
        // Usually nothing is escaped: then the value is the bytes up to the closing quote.
        let start = scanner.position
        if let end = scanner.bytes[start...].firstIndex(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }),
            scanner.bytes[end] == UInt8(ascii: "\"")
        {
            scanner.position = end + 1
            return String(decoding: scanner.bytes[start..<end], as: UTF8.self)
        }
        var value: [UInt8] = []
        while let byte = scanner.current {
            scanner.position += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: value, as: UTF8.self) }
            if byte == UInt8(ascii: "\\"), let next = scanner.current, next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") {
                value.append(next)
                scanner.position += 1
            } else {
                value.append(byte)
            }
        }
        throw FieldParseError("unterminated quoted \(name)")
    }
}
