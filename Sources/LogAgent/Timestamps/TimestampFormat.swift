/// A way timestamps are spelled in logs. Named formats cover what agents meet most; `pattern`
/// takes a strptime-style subset for the rest: `%Y` `%y` `%m` `%d` `%e` `%H` `%M` `%S` `%f`
/// (fraction digits) `%b` (month name) `%z` (`Z`, `±hh:mm`, `±hhmm`) `%T` (`%H:%M:%S`) `%F`
/// (`%Y-%m-%d`) `%%`; a space matches any run of spaces. A pattern without a year takes it from
/// the reference time (see `TimestampParser`).
public enum TimestampFormat: Sendable, Hashable {
    /// RFC 3339 and the ISO 8601 forms logs use: `T` or space between date and time, optional
    /// fraction, `Z` or a numeric offset, or no offset (then the parser's zone applies).
    case rfc3339
    /// Common Log Format as nginx and Apache write it: `10/Oct/2000:13:55:36 -0700`.
    case commonLog
    /// BSD syslog (RFC 3164): `Oct 11 22:14:15`, no year, no zone.
    case syslog
    /// Seconds since the epoch, with an optional fraction: `1700000000`, `1700000000.123`.
    case epochSeconds
    /// Milliseconds since the epoch: `1700000000123`.
    case epochMilliseconds
    case pattern(String)

    /// Accepts the configuration names (`rfc3339`, `iso8601`, `clf`, `nginx`, `apache`, `syslog`,
    /// `epoch_s`, `unix`, `epoch_ms`, `unix_ms`) or any text containing `%` as a pattern.
    public init?(name: String) {
        switch name {
        case "rfc3339", "iso8601": self = .rfc3339
        case "clf", "nginx", "apache", "common_log": self = .commonLog
        case "syslog", "rfc3164": self = .syslog
        case "epoch_s", "unix", "epoch": self = .epochSeconds
        case "epoch_ms", "unix_ms": self = .epochMilliseconds
        default:
            guard name.contains("%") else { return nil }
            self = .pattern(name)
        }
    }
}
