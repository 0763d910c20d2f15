/// One observation of a consumer group on one partition: where the group is, where the log ends,
/// and whether a live member was reading it.
public struct OffsetSample: Sendable, Hashable, Codable {
    /// When the sample was taken, in milliseconds since the Unix epoch.
    public var timestamp: Int64
    /// The group's committed offset: the next offset it will read.
    public var committedOffset: Int64
    /// The partition's log end offset (high watermark).
    public var endOffset: Int64
    /// A member of the group had the partition assigned. Kafka's OffsetFetch carries no commit
    /// times, so an owned partition whose offset does not move counts as a consumer committing the
    /// same offset (stalled), and an unowned one as a consumer that stopped committing.
    public var isAssigned: Bool

    public init(timestamp: Int64, committedOffset: Int64, endOffset: Int64, isAssigned: Bool) {
        self.timestamp = timestamp
        self.committedOffset = committedOffset
        self.endOffset = endOffset
        self.isAssigned = isAssigned
    }

    /// Records between the committed offset and the end; never negative (a log truncated below a
    /// commit has nothing left to read).
    public var lag: Int64 { max(0, endOffset - committedOffset) }
}
