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

    /// The `n` most frequent items, highest count first, ties by item.
    public func top(_ n: Int) -> [Entry] {
        Array(entries.values.sorted { ($1.count, $0.item) < ($0.count, $1.item) }.prefix(n))
    }
}
