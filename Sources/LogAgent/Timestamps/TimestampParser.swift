/// Turns timestamp text into milliseconds since the epoch by trying formats in order. Times
/// written without an offset are read in `zone`; times written without a year (syslog) get the
/// reference time's year in that zone, or the previous year when that would put them more than a
/// day in the future (a December line read in January).
public struct TimestampParser: Sendable {
    public let formats: [TimestampFormat]
    public let zone: TimeZoneRule

    public init(formats: [TimestampFormat], zone: TimeZoneRule = .utc) {
        self.formats = formats
        self.zone = zone
    }

    /// The instant of the first format that matches the whole text; nil when none does.
    public func parse(_ text: String, reference: Int64) -> Int64? {
        let trimmed = text.trimmingSpaces
        for format in formats {
            if let instant = parse(trimmed, as: format, reference: reference) { return instant }
        }
        return nil
    }

    private func parse(_ text: String, as format: TimestampFormat, reference: Int64) -> Int64? {
        switch format {
        case .epochSeconds:
            guard let seconds = Double(text), seconds.isFinite, abs(seconds) < 1e13 else { return nil }
            return Int64((seconds * 1000).rounded())
        case .epochMilliseconds:
            return Int64(text)
        case .rfc3339:
            return TextScanner.parseWhole(text) { scanner in
                scanner.rfc3339().flatMap { instant(of: $0.time, offset: $0.offset, reference: reference) }
            }
        case .commonLog: return parse(text, pattern: "%d/%b/%Y:%H:%M:%S %z", reference: reference)
        case .syslog: return parse(text, pattern: "%b %e %H:%M:%S", reference: reference)
        case .pattern(let pattern): return parse(text, pattern: pattern, reference: reference)
        }
    }

    private func parse(_ text: String, pattern: String, reference: Int64) -> Int64? {
        TextScanner.parseWhole(text) { scanner in
            scanner.timestamp(pattern: pattern).flatMap { instant(of: $0.time, offset: $0.offset, reference: reference) }
        }
    }

    /// The instant for a parsed wall-clock time; a year of nil means "infer it".
    func instant(of time: PartialCivilTime, offset: Int?, reference: Int64) -> Int64? {
        let inferYear = time.year == nil
        var civil = CivilTime(
            year: time.year ?? zone.year(at: reference), month: time.month, day: time.day,
            hour: time.hour, minute: time.minute, second: time.second, millisecond: time.millisecond)
        func resolve(_ civil: CivilTime) -> Int64? {
            guard civil.isValid else { return nil }
            if let offset { return civil.millisecondsSinceEpochAsUTC - Int64(offset) * 1000 }
            return zone.instant(of: civil)
        }
        guard inferYear else { return resolve(civil) }
        if let candidate = resolve(civil), candidate <= reference + 86_400_000 { return candidate }
        civil.year -= 1
        return resolve(civil)
    }
}

/// A wall-clock time as written, before a year is inferred.
struct PartialCivilTime {
    var year: Int?
    var month = 1
    var day = 1
    var hour = 0
    var minute = 0
    var second = 0
    var millisecond = 0
}

extension TextScanner {
    /// `YYYY-MM-DD(T| )hh:mm:ss[.fff][Z|±hh:mm]`, also with a lower-case `t`.
    mutating func rfc3339() -> (time: PartialCivilTime, offset: Int?)? {
        let start = position
        var time = PartialCivilTime()
        guard let year = digits(minimum: 4, maximum: 4), skip(UInt8(ascii: "-")),
            let month = digits(minimum: 2, maximum: 2), skip(UInt8(ascii: "-")),
            let day = digits(minimum: 2, maximum: 2),
            skip(UInt8(ascii: "T")) || skip(UInt8(ascii: "t")) || skip(UInt8(ascii: " ")),
            let hour = digits(minimum: 2, maximum: 2), skip(UInt8(ascii: ":")),
            let minute = digits(minimum: 2, maximum: 2), skip(UInt8(ascii: ":")),
            let second = digits(minimum: 2, maximum: 2)
        else {
            position = start
            return nil
        }
        (time.year, time.month, time.day, time.hour, time.minute, time.second) = (year, month, day, hour, minute, second)
        if skip(UInt8(ascii: ".")) || skip(UInt8(ascii: ",")) {
            guard let fraction = fractionMilliseconds() else {
                position = start
                return nil
            }
            time.millisecond = fraction
        }
        return (time, zoneOffset())
    }

    /// Matches a strptime-style pattern (see `TimestampFormat.pattern`).
    mutating func timestamp(pattern: String) -> (time: PartialCivilTime, offset: Int?)? {
        let start = position
        var time = PartialCivilTime()
        var offset: Int?
        var patternBytes = Array(pattern.utf8)[...]
        func fail() -> (time: PartialCivilTime, offset: Int?)? {
            position = start
            return nil
        }
        while let byte = patternBytes.popFirst() {
            if byte == 0x20 {
                guard skipSpaces() else { return fail() }
                continue
            }
            guard byte == UInt8(ascii: "%") else {
                guard skip(byte) else { return fail() }
                continue
            }
            guard let directive = patternBytes.popFirst() else { return fail() }
            switch directive {
            case UInt8(ascii: "Y"): guard let value = digits(minimum: 4, maximum: 4) else { return fail() }; time.year = value
            case UInt8(ascii: "y"): guard let value = digits(minimum: 2, maximum: 2) else { return fail() }; time.year = 2000 + value
            case UInt8(ascii: "m"): guard let value = digits(maximum: 2) else { return fail() }; time.month = value
            case UInt8(ascii: "d"): guard let value = digits(maximum: 2) else { return fail() }; time.day = value
            case UInt8(ascii: "e"):
                skipSpaces()
                guard let value = digits(maximum: 2) else { return fail() }
                time.day = value
            case UInt8(ascii: "H"): guard let value = digits(maximum: 2) else { return fail() }; time.hour = value
            case UInt8(ascii: "M"): guard let value = digits(maximum: 2) else { return fail() }; time.minute = value
            case UInt8(ascii: "S"): guard let value = digits(maximum: 2) else { return fail() }; time.second = value
            case UInt8(ascii: "f"): guard let value = fractionMilliseconds() else { return fail() }; time.millisecond = value
            case UInt8(ascii: "b"), UInt8(ascii: "h"), UInt8(ascii: "B"):
                guard let value = monthName() else { return fail() }
                time.month = value
            case UInt8(ascii: "z"): guard let value = zoneOffset() else { return fail() }; offset = value
            case UInt8(ascii: "T"): patternBytes = Array("%H:%M:%S".utf8)[...] + patternBytes
            case UInt8(ascii: "F"): patternBytes = Array("%Y-%m-%d".utf8)[...] + patternBytes
            case UInt8(ascii: "%"): guard skip(UInt8(ascii: "%")) else { return fail() }
            default: return fail()
            }
        }
        return (time, offset)
    }
}

extension String {
    var trimmingSpaces: String {
        if let first = utf8.first, let last = utf8.last, first != 0x20, first != 0x09, last != 0x20, last != 0x09 { return self }
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
