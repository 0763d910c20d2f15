/// One source partition's share of one window of one group: that partition's accumulators, covering
/// every record of the partition below `coveredOffset` and none above.
///
/// Guarantee: the content is a function of the partition's records below `coveredOffset` alone (windows
/// and lateness are judged by the partition's own watermark), so every replay of the partition, by any
/// member of the group, produces the same partial for the same `coveredOffset`. The merge therefore keeps,
/// per window and partition, the partial with the highest `coveredOffset` and ignores repeats.
public struct WindowPartial: Codable, Sendable, Equatable {
    public enum Stage: String, Codable, Sendable {
        /// The partition went idle before its watermark reached the window's end: its share so far.
        case provisional
        /// The share as the partition's watermark reached the window's end: what revision 0 uses.
        case ended
        /// The partition went idle after the window's end, with late events since its `ended` share (or a
        /// window only late events opened, which has no `ended` share and no part in revision 0).
        case updated
        /// The partition's watermark passed end + lateness: the partition's final share.
        case closed
        /// The watermark reached the end and end + lateness at once: the share is both `ended` and `closed`.
        case endedAndClosed

        /// The order a partition emits shares of one window in: at equal covered offsets, the later is newer.
        var order: Int {
            switch self {
            case .provisional: return 0
            case .ended: return 1
            case .updated: return 2
            case .closed, .endedAndClosed: return 3
            }
        }

        /// The share as the watermark reached the end, which revision 0 uses.
        var isEnded: Bool { self == .ended || self == .endedAndClosed }
    }

    public var aggregation: String
    public var groupValues: [String]
    public var windowStartMillis: Int64
    public var windowEndMillis: Int64
    public var source: TopicPartition
    public var coveredOffset: Int64
    public var stage: Stage
    /// One per column of the aggregation, in the spec's order.
    var accumulators: [Accumulator]
}

/// A source partition's event-time progress, as the member reading it reports it to the merge.
///
/// Reports of one partition are ordered by `supersedes`: a later report covers more records, or the same
/// records with the partition now idle, or idle with a later wall clock. Whoever sends them, the merge
/// keeps the latest, so repeats and reports of a member that lost the partition meanwhile do no harm.
public struct SourceProgress: Codable, Sendable, Equatable {
    public var source: TopicPartition
    /// The partition's next offset to read when reported.
    public var nextOffset: Int64
    /// Highest event time read − out-of-orderness; `Int64.min` before the partition's first event.
    public var watermarkMillis: Int64
    /// No record arrived for the source's idle timeout while a member read the partition.
    public var idle: Bool
    /// Live sources, idle partitions: the member's clock − idle timeout − out-of-orderness; else `Int64.min`.
    public var wallClockMillis: Int64

    public init(source: TopicPartition, nextOffset: Int64, watermarkMillis: Int64, idle: Bool, wallClockMillis: Int64 = .min) {
        self.source = source
        self.nextOffset = nextOffset
        self.watermarkMillis = watermarkMillis
        self.idle = idle
        self.wallClockMillis = wallClockMillis
    }

    public func supersedes(_ other: SourceProgress) -> Bool {
        (nextOffset, idle ? 1 : 0, wallClockMillis) > (other.nextOffset, other.idle ? 1 : 0, other.wallClockMillis)
    }
}
