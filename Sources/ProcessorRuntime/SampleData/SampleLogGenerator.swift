import StreamProcessing

/// One generated log record: its Kafka key, its text, and its event time (also the Kafka timestamp).
public struct SampleRecord: Hashable, Sendable {
    public var key: String
    public var value: String
    public var timestampMillis: Int64
}

/// A deterministic source of realistic log records: the same settings and seed give the same records.
public protocol SampleLogGenerator: Sendable {
    mutating func next() -> SampleRecord
}

/// Builds one JSON object in field order, escaping strings, with numbers at a fixed number of decimals.
struct JSONLine {
    private var text = "{"

    mutating func add(_ key: String, _ value: String) {
        separate(key)
        JSONText.appendQuoted(value, to: &text)
    }

    mutating func add(_ key: String, _ value: Int) {
        separate(key)
        text += String(value)
    }

    mutating func add(_ key: String, _ value: Double, decimals: Int) {
        separate(key)
        text += fixed(value, decimals: decimals)
    }

    var line: String { text + "}" }

    private mutating func separate(_ key: String) {
        if text != "{" { text += "," }
        JSONText.appendQuoted(key, to: &text)
        text += ":"
    }
}

/// `value` rounded to `decimals` places, printed without exponent: `48.12`, `0.0042`, `7.0`.
func fixed(_ value: Double, decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (value * scale).rounded()
    let whole = Int64(scaled / scale)
    let fraction = Int64(abs(scaled) - abs(Double(whole)) * scale)
    let sign = scaled < 0 && whole == 0 ? "-" : ""
    guard decimals > 0 else { return sign + String(whole) }
    let digits = String(fraction)
    return sign + String(whole) + "." + String(repeating: "0", count: max(0, decimals - digits.count)) + digits
}

/// ISO 8601 UTC with milliseconds: `2026-11-25T10:00:00.250Z`.
func isoTime(_ millis: Int64) -> String {
    let civil = CivilTime.format(millis: millis)  // `2026-11-25 10:00:00.250`
    return civil.replacingOccurrences(of: " ", with: "T") + "Z"
}
