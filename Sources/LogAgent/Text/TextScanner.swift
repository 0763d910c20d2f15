/// A cursor over UTF-8 text for the hand-written parsers (timestamps, syslog, access logs): small
/// steps that either consume what they match or leave the position unchanged and return nil.
struct TextScanner {
    let bytes: [UInt8]
    var position: Int

    init(_ text: String) { self.init(bytes: Array(text.utf8)) }
    init(bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    /// Runs `step` over the whole of `text`: nil unless it matches and consumes everything.
    static func parseWhole<Value>(_ text: String, _ step: (inout TextScanner) -> Value?) -> Value? {
        var scanner = TextScanner(text)
        guard let value = step(&scanner), scanner.isAtEnd else { return nil }
        return value
    }

    var isAtEnd: Bool { position >= bytes.count }
    var current: UInt8? { position < bytes.count ? bytes[position] : nil }
    var remainder: String { String(decoding: bytes[min(position, bytes.count)...], as: UTF8.self) }

    mutating func skip(_ byte: UInt8) -> Bool {
        guard current == byte else { return false }
        position += 1
        return true
    }

    mutating func skip(_ literal: String) -> Bool {
        let literalBytes = Array(literal.utf8)
        guard bytes[min(position, bytes.count)...].starts(with: literalBytes) else { return false }
        position += literalBytes.count
        return true
    }

    /// Skips spaces and tabs; true when at least one was skipped.
    @discardableResult
    mutating func skipSpaces() -> Bool {
        let start = position
        while current == 0x20 || current == 0x09 { position += 1 }
        return position > start
    }

    /// Between `minimum` and `maximum` decimal digits as a number.
    mutating func digits(minimum: Int = 1, maximum: Int) -> Int? {
        let start = position
        var value = 0
        while position - start < maximum, let byte = current, byte >= 0x30, byte <= 0x39 {
            value = value * 10 + Int(byte - 0x30)
            position += 1
        }
        guard position - start >= minimum else {
            position = start
            return nil
        }
        return value
    }

    /// Fraction digits after a decimal point, as milliseconds (digits past the third truncated).
    mutating func fractionMilliseconds() -> Int? {
        let start = position
        guard digits(maximum: 64) != nil else { return nil }
        var milliseconds = 0
        for index in 0..<3 {
            let digit = start + index < position ? Int(bytes[start + index] - 0x30) : 0
            milliseconds = milliseconds * 10 + digit
        }
        return milliseconds
    }

    /// Bytes up to (not including) the first byte in `terminators` or the end; may be empty.
    /// (An array: a linear search over the two or three terminators callers pass is cheaper than
    /// building and hashing into a Set for every token.)
    mutating func token(until terminators: [UInt8]) -> String {
        let start = position
        while let byte = current, !terminators.contains(byte) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// A month name (`Oct`, `October`, any case) as 1–12.
    mutating func monthName() -> Int? {
        let start = position
        while let byte = current, (byte | 0x20) >= 0x61, (byte | 0x20) <= 0x7A { position += 1 }
        let word = bytes[start..<position]
        for (index, name) in Self.monthNames.enumerated() where word.count == 3 || word.count == name.count {
            if zip(word, name).allSatisfy({ $0 | 0x20 == $1 }) { return index + 1 }
        }
        position = start
        return nil
    }

    /// Full lowercase month names; their first three letters are the abbreviations.
    private static let monthNames: [[UInt8]] = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december",
    ].map { Array($0.utf8) }

    /// `Z`, `z`, `UTC`, `GMT`, `±hh:mm`, `±hhmm` or `±hh` as seconds east of UTC.
    mutating func zoneOffset() -> Int? {
        if skip(UInt8(ascii: "Z")) || skip(UInt8(ascii: "z")) || skip("UTC") || skip("GMT") { return 0 }
        let start = position
        let sign: Int
        if skip(UInt8(ascii: "+")) {
            sign = 1
        } else if skip(UInt8(ascii: "-")) {
            sign = -1
        } else {
            return nil
        }
        guard let hours = digits(minimum: 2, maximum: 2), hours <= 23 else {
            position = start
            return nil
        }
        _ = skip(UInt8(ascii: ":"))
        let minutes = digits(minimum: 2, maximum: 2) ?? 0
        guard minutes <= 59 else {
            position = start
            return nil
        }
        return sign * (hours * 3600 + minutes * 60)
    }
}
