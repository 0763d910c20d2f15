/// Top-N heavy hitters with bounded memory (Space-Saving, Metwally et al. 2005).
///
/// Guarantee: while at most `capacity` distinct items were seen, counts are exact. Beyond that each
/// reported count overestimates the true count by at most its `maxOverestimate`, and any item whose true
/// count exceeds total/capacity is present.
public struct SpaceSaving: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Hashable {
        public var item: String
        public var count: UInt64
        public var maxOverestimate: UInt64
    }

    public let capacity: Int
    private var entries: [String: Entry] = [:]

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public mutating func add(_ item: String) {
        if entries[item] != nil {
            entries[item]?.count += 1
            return
        }
        if entries.count < capacity {
            entries[item] = Entry(item: item, count: 1, maxOverestimate: 0)
            return
        }
        // Ties broken by item so the evicted entry does not depend on dictionary order.
        guard let victim = entries.values.min(by: { ($0.count, $0.item) < ($1.count, $1.item) }) else { return }
        entries[victim.item] = nil
        entries[item] = Entry(item: item, count: victim.count + 1, maxOverestimate: victim.count)
    }

    /// Adds the counts of another summary of the same capacity (Agarwal et al., "Mergeable Summaries", 2012).
    ///
    /// Guarantee: while both summaries together hold at most `capacity` distinct items, the result is the
    /// summary of the combined input, exact. Beyond that, an item missing from a full summary may have been
    /// evicted there, so it is charged that summary's smallest count as possible overestimate, and the
    /// `capacity` largest counts are kept.
    public mutating func merge(_ other: SpaceSaving) {
        let floor = entries.count >= capacity ? entries.values.map(\.count).min() ?? 0 : 0
        let otherFloor = other.entries.count >= other.capacity ? other.entries.values.map(\.count).min() ?? 0 : 0
        var merged: [String: Entry] = [:]
        for item in Set(entries.keys).union(other.entries.keys) {
            let mine = entries[item] ?? Entry(item: item, count: floor, maxOverestimate: floor)
            let theirs = other.entries[item] ?? Entry(item: item, count: otherFloor, maxOverestimate: otherFloor)
            merged[item] = Entry(item: item, count: mine.count + theirs.count, maxOverestimate: mine.maxOverestimate + theirs.maxOverestimate)
        }
        if merged.count > capacity {
            merged = Dictionary(uniqueKeysWithValues: Self.ranked(merged.values).prefix(capacity).map { ($0.item, $0) })
        }
        entries = merged
    }

    /// The `n` most frequent items, highest count first, ties by item.
    public func top(_ n: Int) -> [Entry] {
        Array(Self.ranked(entries.values).prefix(n))
    }

    private static func ranked(_ entries: some Collection<Entry>) -> [Entry] {
        entries.sorted { ($1.count, $0.item) < ($0.count, $1.item) }
    }
}
