/// Conversions between Unix milliseconds and UTC calendar text, without locale or time-zone databases.
///
/// Days-from-civil is Howard Hinnant's algorithm, exact over the proleptic Gregorian calendar.
public enum CivilTime {
    /// Parses RFC 3339 / ISO 8601 date-times: `2024-05-01T12:00:00Z`, `2024-05-01 12:00:00.250+02:00`.
    /// A missing offset means UTC. Returns nil for anything else.
    public static func parseMillis(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var position = 0
        func number(_ digits: Int) -> Int64? {
            guard position + digits <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[position..<position + digits] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            position += digits
            return value
        }
        func expect(_ allowed: Set<UInt8>) -> Bool {
            guard position < bytes.count, allowed.contains(bytes[position]) else { return false }
            position += 1
            return true
        }
        guard let year = number(4), expect([45]), let month = number(2), expect([45]), let day = number(2),
              expect([84, 116, 32]), let hour = number(2), expect([58]), let minute = number(2), expect([58]),
              let second = number(2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var millis: Int64 = 0
        if position < bytes.count, bytes[position] == 46 {
            position += 1
            var scale: Int64 = 100
            var digits = 0
            while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 {
                millis += Int64(bytes[position] - 48) * scale
                scale /= 10
                position += 1
                digits += 1
            }
            guard digits > 0 else { return nil }
        }
        var offsetMinutes: Int64 = 0
        if position < bytes.count {
            if expect([90, 122]) {
                offsetMinutes = 0
            } else if position < bytes.count, bytes[position] == 43 || bytes[position] == 45 {
                let sign: Int64 = bytes[position] == 45 ? -1 : 1
                position += 1
                guard let offsetHours = number(2) else { return nil }
                _ = expect([58])
                guard let offsetMins = number(2) else { return nil }
                offsetMinutes = sign * (offsetHours * 60 + offsetMins)
            }
            guard position == bytes.count else { return nil }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        return seconds * 1000 + millis
    }

    /// `2024-05-01 12:00:00.250`, the text ClickHouse's DateTime64(3, 'UTC') reads.
    public static func format(millis: Int64) -> String {
        let days = floorDivide(millis, 86_400_000)
        let millisOfDay = millis - days * 86_400_000
        let (year, month, day) = civilFromDays(days)
        let hour = millisOfDay / 3_600_000
        let minute = millisOfDay / 60_000 % 60
        let second = millisOfDay / 1000 % 60
        let fraction = millisOfDay % 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(fraction, 3))"
    }

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
