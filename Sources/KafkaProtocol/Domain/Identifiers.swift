/// Integer newtypes for values that are easy to swap by mistake: an offset is not a
/// partition index, a producer id is not an epoch. The generated codecs use them for the
/// fields they name, so a mix-up is a compile error instead of a silent bug.
public protocol KafkaIntegerNewtype: RawRepresentable, Hashable, Comparable, Sendable,
    ExpressibleByIntegerLiteral, CustomStringConvertible
where RawValue: FixedWidthInteger & Sendable, IntegerLiteralType == RawValue {
    init(_ rawValue: RawValue)
}

extension KafkaIntegerNewtype {
    public init(integerLiteral value: RawValue) { self.init(value) }
    public init(rawValue: RawValue) { self.init(rawValue) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue.description }
}

/// A position in a partition log.
public struct Offset: KafkaIntegerNewtype {
    public var rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    public static func + (lhs: Offset, rhs: Int64) -> Offset { Offset(lhs.rawValue + rhs) }
    public static func - (lhs: Offset, rhs: Offset) -> Int64 { lhs.rawValue - rhs.rawValue }
    /// ListOffsets' sentinel timestamps.
    public static let latestTimestamp: Int64 = -1
    public static let earliestTimestamp: Int64 = -2
}

/// A partition's number within its topic.
public struct PartitionIndex: KafkaIntegerNewtype {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
}

/// The epoch of a partition's leader, stamped in every batch it appends.
public struct LeaderEpoch: KafkaIntegerNewtype {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    /// "No epoch known", as clients send it.
    public static let unknown = LeaderEpoch(-1)
}

/// An idempotent or transactional producer's id, handed out by InitProducerId.
public struct ProducerID: KafkaIntegerNewtype {
    public var rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public static let none = ProducerID(-1)
}

/// Bumped when a producer id is re-initialised; older epochs are fenced.
public struct ProducerEpoch: KafkaIntegerNewtype {
    public var rawValue: Int16
    public init(_ rawValue: Int16) { self.rawValue = rawValue }
    public static let none = ProducerEpoch(-1)
}

/// A broker's node id.
public struct BrokerID: KafkaIntegerNewtype {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
}
