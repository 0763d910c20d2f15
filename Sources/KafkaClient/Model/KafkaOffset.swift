import CRdKafka

/// A position in a partition: an absolute offset or one of librdkafka's logical offsets.
public struct KafkaOffset: Hashable, Sendable, CustomStringConvertible {
    /// The absolute offset, or librdkafka's negative logical value (`RD_KAFKA_OFFSET_*`).
    public let rawValue: Int64

    public init(_ offset: Int64) { rawValue = offset }

    /// The oldest record still in the log.
    public static let beginning = Self(Int64(RD_KAFKA_OFFSET_BEGINNING))
    /// The next record to be written (the high watermark).
    public static let end = Self(Int64(RD_KAFKA_OFFSET_END))
    /// The group's committed offset, falling back to `auto.offset.reset`.
    public static let stored = Self(Int64(RD_KAFKA_OFFSET_STORED))
    /// No offset: what librdkafka reports for a partition without a committed offset.
    public static let invalid = Self(Int64(RD_KAFKA_OFFSET_INVALID))

    /// `count` records before the end.
    public static func tail(_ count: Int64) -> Self { Self(Int64(RD_KAFKA_OFFSET_TAIL_BASE) - count) }

    /// The absolute offset, or nil for a logical one.
    public var absolute: Int64? { rawValue >= 0 ? rawValue : nil }

    public var description: String {
        switch self {
        case .beginning: "beginning"
        case .end: "end"
        case .stored: "stored"
        case .invalid: "none"
        default: rawValue >= 0 ? String(rawValue) : "tail(\(Int64(RD_KAFKA_OFFSET_TAIL_BASE) - rawValue))"
        }
    }
}
