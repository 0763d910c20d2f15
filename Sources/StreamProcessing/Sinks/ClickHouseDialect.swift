import Foundation

/// The column types a ClickHouse server understands, chosen from its version when a sink prepares.
///
/// `DateTime64` arrived in ClickHouse 20.1 and `LowCardinality` left its experimental flag in 19.x. Older
/// servers, such as Debian 12's 18.16, get `DateTime` (second precision; an event's exact time stays in its
/// `fields` JSON) and plain `String`. Inserts send times as `2024-05-01 12:00:00.250` text with
/// `date_time_input_format=best_effort`, which both kinds parse, so only the table definition differs.
public struct ClickHouseDialect: Hashable, Sendable {
    public var timeType: String
    public var lowCardinalityString: String

    public static let modern = ClickHouseDialect(timeType: "DateTime64(3, 'UTC')", lowCardinalityString: "LowCardinality(String)")
    public static let legacy = ClickHouseDialect(timeType: "DateTime('UTC')", lowCardinalityString: "String")

    init(timeType: String, lowCardinalityString: String) {
        self.timeType = timeType
        self.lowCardinalityString = lowCardinalityString
    }

    /// The dialect of a server answering `SELECT version()` with `version` (`18.16.1`, `24.3.2.23`).
    public init(version: String) throws {
        let parts = version.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".")
        guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1]) else {
            throw ClickHouseDialectError.unrecognizedVersion(version)
        }
        self = (major, minor) >= (20, 1) ? .modern : .legacy
    }
}

public enum ClickHouseDialectError: Error, Equatable, CustomStringConvertible {
    case unrecognizedVersion(String)

    public var description: String {
        switch self {
        case .unrecognizedVersion(let text): return "ClickHouse answered SELECT version() with \(text.prefix(100).debugDescription), not a version"
        }
    }
}
