/// The first and last offset of the records consumed per partition in some span of processing.
///
/// Sinks name it in errors (which records a failed write held), and checkpoints turn its upper ends into the next offsets to read.
public struct OffsetRanges: Hashable, Codable, Sendable {
    public struct Range: Hashable, Codable, Sendable {
        public var first: Int64
        public var last: Int64
    }

    public private(set) var ranges: [TopicPartition: Range] = [:]

    public init() {}

    public var isEmpty: Bool { ranges.isEmpty }

    /// The offsets to resume from once everything in these ranges is processed (last + 1 per partition).
    public var nextOffsets: [TopicPartition: Int64] { ranges.mapValues { $0.last + 1 } }

    public mutating func include(_ partition: TopicPartition, offset: Int64) {
        if let existing = ranges[partition] {
            ranges[partition] = Range(first: min(existing.first, offset), last: max(existing.last, offset))
        } else {
            ranges[partition] = Range(first: offset, last: offset)
        }
    }

    public mutating func formUnion(_ other: OffsetRanges) {
        for (partition, range) in other.ranges {
            include(partition, offset: range.first)
            include(partition, offset: range.last)
        }
    }

    /// Stable text naming every range, sorted by partition: `topic/0:10-19,topic/1:4-8`.
    public var canonicalDescription: String {
        ranges.sorted { $0.key < $1.key }
            .map { "\($0.key):\($0.value.first)-\($0.value.last)" }
            .joined(separator: ",")
    }
}
