/// Conversions between calendar dates and days since the Unix epoch in the proleptic Gregorian
/// calendar (Howard Hinnant's algorithms), exact for every year a log can carry, without Foundation.
public struct CivilTime: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int = 0
    public var minute: Int = 0
    public var second: Int = 0
    public var millisecond: Int = 0

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.millisecond = millisecond
    }

    /// Whether every component lies in its calendar range (a leap second 60 is accepted, as
    /// RFC 3339 allows it).
    public var isValid: Bool {
        (1...12).contains(month) && day >= 1 && day <= Self.daysInMonth(year: year, month: month)
            && (0...23).contains(hour) && (0...59).contains(minute) && (0...60).contains(second)
            && (0...999).contains(millisecond)
    }

    /// Milliseconds since the epoch of this wall-clock time read as UTC.
    public var millisecondsSinceEpochAsUTC: Int64 {
        let days = Int64(Self.daysSinceEpoch(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return seconds * 1000 + Int64(millisecond)
    }

    /// The UTC wall-clock time of an instant.
    public init(utcMilliseconds: Int64) {
        let (days, millisecondOfDay) = utcMilliseconds.floorDivided(by: 86_400_000)
        (year, month, day) = Self.civilDate(daysSinceEpoch: Int(days))
        let secondOfDay = Int(millisecondOfDay / 1000)
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        millisecond = Int(millisecondOfDay % 1000)
    }

    /// `2000-10-10T20:55:36.000Z`.
    public static func rfc3339(milliseconds: Int64) -> String {
        var bytes: [UInt8] = []
        writeRFC3339(milliseconds: milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `rfc3339(milliseconds:)` as UTF-8, for encoders that build bytes.
    static func writeRFC3339(milliseconds: Int64, to output: inout [UInt8]) {
        let time = CivilTime(utcMilliseconds: milliseconds)
        func pad(_ value: Int, _ width: Int) {
            let start = output.count
            JSONWriter.writeInteger(Int64(value), to: &output)
            let written = output.count - start
            if written < width { output.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - written), at: start) }
        }
        pad(time.year, 4)
        output.append(UInt8(ascii: "-"))
        pad(time.month, 2)
        output.append(UInt8(ascii: "-"))
        pad(time.day, 2)
        output.append(UInt8(ascii: "T"))
        pad(time.hour, 2)
        output.append(UInt8(ascii: ":"))
        pad(time.minute, 2)
        output.append(UInt8(ascii: ":"))
        pad(time.second, 2)
        output.append(UInt8(ascii: "."))
        pad(time.millisecond, 3)
        output.append(UInt8(ascii: "Z"))
    }

    static func isLeapYear(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, with a non-negative remainder.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = self / divisor
        let remainder = self % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
