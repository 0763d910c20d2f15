/// A compact binary form of a `LogEvent` for the disk buffer: every field round-trips exactly
/// (integers stay integers, field order does not matter). Decoding untrusted or damaged bytes
/// returns nil, never traps.
///
/// Layout: version byte 1 · timestamp Int64 · host · source · optional service · severity byte
/// (255 = none) · message · raw · optional parse error · fields (count, then key and value each).
/// Texts are a UInt32 byte count and UTF-8; integers are big-endian; an optional is a 0/1 byte.
enum LogEventBinaryCodec {
    private static let version: UInt8 = 1
    private static let noSeverity: UInt8 = 255
    /// Nested arrays and objects deeper than this are refused when decoding.
    private static let maximumDepth = 64

    static func encode(_ event: LogEvent) -> [UInt8] {
        var writer = Writer()
        writer.bytes.reserveCapacity(event.approximateBytes)
        writer.byte(version)
        writer.integer(UInt64(bitPattern: event.timestamp))
        writer.text(event.host)
        writer.text(event.source)
        writer.optionalText(event.service)
        writer.byte(event.severity.map { UInt8($0.rawValue) } ?? noSeverity)
        writer.text(event.message)
        writer.text(event.raw)
        writer.optionalText(event.parseError)
        writer.object(event.fields)
        return writer.bytes
    }

    static func decode(_ bytes: ArraySlice<UInt8>) -> LogEvent? {
        var reader = Reader(bytes: bytes)
        guard reader.byte() == version, let timestamp = reader.integer(), let host = reader.text(),
            let source = reader.text(), let service = reader.optionalText(), let severityCode = reader.byte(),
            let message = reader.text(), let raw = reader.text(), let parseError = reader.optionalText(),
            let fields = reader.object(depth: 0), reader.isAtEnd
        else { return nil }
        let severity: Severity?
        if severityCode == noSeverity {
            severity = nil
        } else {
            guard let known = Severity(rawValue: Int(severityCode)) else { return nil }
            severity = known
        }
        return LogEvent(timestamp: Int64(bitPattern: timestamp), host: host, source: source, service: service,
                        severity: severity, message: message, fields: fields, raw: raw, parseError: parseError)
    }

    private enum Tag: UInt8 { case string, int, double, bool, null, array, object }

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func byte(_ value: UInt8) { bytes.append(value) }

        mutating func integer(_ value: UInt64) {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }

        mutating func count(_ value: Int) {
            let value = UInt32(value)
            for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
        }

        mutating func text(_ value: String) {
            count(value.utf8.count)
            bytes.append(contentsOf: value.utf8)
        }

        mutating func optionalText(_ value: String?) {
            byte(value == nil ? 0 : 1)
            if let value { text(value) }
        }

        mutating func object(_ fields: [String: FieldValue]) {
            count(fields.count)
            for (key, value) in fields {
                text(key)
                self.value(value)
            }
        }

        mutating func value(_ value: FieldValue) {
            switch value {
            case .string(let text):
                byte(Tag.string.rawValue)
                self.text(text)
            case .int(let number):
                byte(Tag.int.rawValue)
                integer(UInt64(bitPattern: number))
            case .double(let number):
                byte(Tag.double.rawValue)
                integer(number.bitPattern)
            case .bool(let flag):
                byte(Tag.bool.rawValue)
                byte(flag ? 1 : 0)
            case .null:
                byte(Tag.null.rawValue)
            case .array(let elements):
                byte(Tag.array.rawValue)
                count(elements.count)
                for element in elements { self.value(element) }
            case .object(let fields):
                byte(Tag.object.rawValue)
                object(fields)
            }
        }
    }

    private struct Reader {
        let bytes: ArraySlice<UInt8>
        var index: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            index = bytes.startIndex
        }

        var isAtEnd: Bool { index == bytes.endIndex }

        mutating func byte() -> UInt8? {
            guard index < bytes.endIndex else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func integer() -> UInt64? {
            guard bytes.endIndex - index >= 8 else { return nil }
            defer { index += 8 }
            return bytes[index..<(index + 8)].reduce(0) { $0 << 8 | UInt64($1) }
        }

        mutating func count() -> Int? {
            guard bytes.endIndex - index >= 4 else { return nil }
            defer { index += 4 }
            let value = Int(bytes[index..<(index + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            // Every counted element takes at least one byte, so a larger count is damage.
            return value <= bytes.endIndex - index - 4 ? value : nil
        }

        mutating func text() -> String? {
            guard let length = count() else { return nil }
            defer { index += length }
            return String(decoding: bytes[index..<(index + length)], as: UTF8.self)
        }

        mutating func optionalText() -> String?? {
            switch byte() {
            case 0: return .some(nil)
            case 1: return text().map { .some($0) }
            default: return nil
            }
        }

        mutating func object(depth: Int) -> [String: FieldValue]? {
            guard depth < LogEventBinaryCodec.maximumDepth, let count = count() else { return nil }
            var fields: [String: FieldValue] = [:]
            fields.reserveCapacity(count)
            for _ in 0..<count {
                guard let key = text(), let value = value(depth: depth + 1) else { return nil }
                fields[key] = value
            }
            return fields
        }

        mutating func value(depth: Int) -> FieldValue? {
            guard let code = byte(), let tag = Tag(rawValue: code) else { return nil }
            switch tag {
            case .string: return text().map(FieldValue.string)
            case .int: return integer().map { .int(Int64(bitPattern: $0)) }
            case .double: return integer().map { .double(Double(bitPattern: $0)) }
            case .bool:
                switch byte() {
                case 0: return .bool(false)
                case 1: return .bool(true)
                default: return nil
                }
            case .null: return .null
            case .array:
                guard depth < LogEventBinaryCodec.maximumDepth, let count = count() else { return nil }
                var elements: [FieldValue] = []
                elements.reserveCapacity(count)
                for _ in 0..<count {
                    guard let element = value(depth: depth + 1) else { return nil }
                    elements.append(element)
                }
                return .array(elements)
            case .object: return object(depth: depth).map(FieldValue.object)
            }
        }
    }
}
