/// A windowed aggregation: which windows, grouped by which fields, computing which columns.
public struct WindowedAggregationSpec: Hashable, Codable, Sendable {
    public var name: String
    public var window: WindowSpec
    public var groupBy: [String]
    public var columns: [AggregateColumn]
    /// How long after a window's end late events still update it.
    public var allowedLatenessMillis: Int64
    /// Only events for which this holds are aggregated (`where:`), so one pipeline can count failed logins
    /// while keeping every event for other sinks. nil: all events.
    public var filter: FilterCondition?

    public init(name: String, window: WindowSpec, groupBy: [String], columns: [AggregateColumn], allowedLatenessMillis: Int64,
                filter: FilterCondition? = nil) {
        self.name = name
        self.window = window
        self.groupBy = groupBy
        self.columns = columns
        self.allowedLatenessMillis = max(0, allowedLatenessMillis)
        self.filter = filter
    }
}
