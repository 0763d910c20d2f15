/// Syslog severity levels (RFC 5424 section 6.2.1), the one scale every source is mapped onto.
/// The raw value is the syslog code: lower is more severe.
public enum Severity: Int, Sendable, CaseIterable, Comparable {
    case emergency = 0
    case alert = 1
    case critical = 2
    case error = 3
    case warning = 4
    case notice = 5
    case informational = 6
    case debug = 7

    /// The name used in encoded events and configuration.
    public var name: String {
        switch self {
        case .emergency: return "emergency"
        case .alert: return "alert"
        case .critical: return "critical"
        case .error: return "error"
        case .warning: return "warning"
        case .notice: return "notice"
        case .informational: return "info"
        case .debug: return "debug"
        }
    }

    /// Recognizes the spellings applications commonly log (case-insensitive): syslog keywords,
    /// their abbreviations, the names of common logging libraries, and the numeric codes 0–7.
    public init?(name: String) {
        switch name.lowercased() {
        case "emerg", "emergency", "panic", "0": self = .emergency
        case "alert", "1": self = .alert
        case "crit", "critical", "fatal", "2": self = .critical
        case "err", "error", "eror", "3": self = .error
        case "warn", "warning", "4": self = .warning
        case "notice", "5": self = .notice
        case "info", "informational", "information", "6": self = .informational
        case "debug", "trace", "dbug", "7": self = .debug
        default: return nil
        }
    }

    /// More severe sorts first, as in syslog.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }
}
