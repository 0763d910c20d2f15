import Foundation

/// Numbers, times and sizes as the pages show them: grouped digits, short rates, UTC times.
enum NumberText {
    /// 1234567 → "1,234,567".
    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    static func grouped(_ value: Int) -> String { grouped(Int64(value)) }

    /// A rate per second with sensible precision: "0", "0.25", "12.5", "1,204".
    static func rate(_ value: Double) -> String {
        guard value.isFinite, value > 0 else { return "0" }
        if value >= 100 { return grouped(Int64(value.rounded())) }
        if value >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.2f", value)
    }

    /// A short axis label: 950, 1.2k, 3.4M.
    static func compact(_ value: Double) -> String {
        let magnitude = abs(value)
        switch magnitude {
        case 1_000_000_000...: return String(format: "%.1fG", value / 1_000_000_000)
        case 1_000_000...: return String(format: "%.1fM", value / 1_000_000)
        case 10_000...: return String(format: "%.0fk", value / 1000)
        case 1000...: return String(format: "%.1fk", value / 1000)
        case 10...: return String(format: "%.0f", value)
        case 0: return "0"
        default: return String(format: "%.2g", value)
        }
    }

    /// Milliseconds since the epoch as "2026-11-20 12:34:56.789 UTC".
    static func timestamp(milliseconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        let text = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        return text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    /// A Kafka `retention.ms` value: "7 days", "12 h", "forever" for -1.
    static func retention(milliseconds: Int64?) -> String {
        guard let milliseconds else { return "–" }
        guard milliseconds >= 0 else { return "forever" }
        let hours = milliseconds / 3_600_000
        if hours >= 24, hours % 24 == 0 { return "\(hours / 24) day\(hours == 24 ? "" : "s")" }
        if hours >= 1, milliseconds % 3_600_000 == 0 { return "\(hours) h" }
        let minutes = milliseconds / 60_000
        if minutes >= 1, milliseconds % 60_000 == 0 { return "\(minutes) min" }
        return "\(grouped(milliseconds)) ms"
    }

    /// A Kafka `retention.bytes` value: "1.0 GiB", "unlimited" for -1.
    static func bytes(_ value: Int64?) -> String {
        guard let value else { return "–" }
        guard value >= 0 else { return "unlimited" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var scaled = Double(value)
        var unit = 0
        while scaled >= 1024, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : String(format: "%.1f %@", scaled, units[unit])
    }
}
