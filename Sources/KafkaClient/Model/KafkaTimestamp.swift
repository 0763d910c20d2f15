import Foundation

/// A record timestamp: milliseconds since the Unix epoch, as Kafka stores it (exact, unlike `Date`).
public struct KafkaTimestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public init(_ date: Date) {
        milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    public static var now: Self { Self(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public var description: String { String(milliseconds) }
}

/// Who set a record's timestamp.
public enum KafkaTimestampType: String, Sendable {
    /// The producer (Kafka's CreateTime).
    case createTime = "CreateTime"
    /// The broker, when it appended the record (LogAppendTime).
    case logAppendTime = "LogAppendTime"
}
