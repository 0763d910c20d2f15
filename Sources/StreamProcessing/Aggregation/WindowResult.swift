/// The values of one group's window, as emitted to detectors, alert rules and sinks.
///
/// A window is emitted with revision 0 when the watermark passes its end, again with a higher revision for
/// each late event accepted within the allowed lateness, and marked final when the watermark passes
/// end + lateness (with zero lateness the first emission is final). Consumers keep the highest revision.
public struct WindowResult: Hashable, Codable, Sendable {
    public var aggregation: String
    public var groupKey: GroupKey
    public var windowStartMillis: Int64
    public var windowEndMillis: Int64
    public var revision: Int
    public var isFinal: Bool
    public var values: [String: AggregateValue]

    public init(aggregation: String, groupKey: GroupKey, windowStartMillis: Int64, windowEndMillis: Int64,
                revision: Int, isFinal: Bool, values: [String: AggregateValue]) {
        self.aggregation = aggregation
        self.groupKey = groupKey
        self.windowStartMillis = windowStartMillis
        self.windowEndMillis = windowEndMillis
        self.revision = revision
        self.isFinal = isFinal
        self.values = values
    }
}

/// The group-by field values of a window, in the order the aggregation names its group-by fields.
public struct GroupKey: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var fields: [String]
    public var values: [String]

    public init(fields: [String], values: [String]) {
        self.fields = fields
        self.values = values
    }

    public static func < (lhs: GroupKey, rhs: GroupKey) -> Bool {
        lhs.values.lexicographicallyPrecedes(rhs.values)
    }

    /// `route=/api,status=500`, or `*` for an aggregation without group-by.
    public var description: String {
        fields.isEmpty ? "*" : zip(fields, values).map { "\($0)=\($1)" }.joined(separator: ",")
    }
}
