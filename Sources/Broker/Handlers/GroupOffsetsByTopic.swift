import GroupCoordination

/// Per-partition results regrouped under their topics, as Offset* responses nest them: topics in
/// the order they first appear, partitions in the order given.
func groupedByTopic<Item>(_ items: [Item], key: (Item) -> OffsetKey) -> [(topic: String, items: [Item])] {
    var order: [String] = []
    var byTopic: [String: [Item]] = [:]
    for item in items {
        let topic = key(item).topic
        if byTopic[topic] == nil { order.append(topic) }
        byTopic[topic, default: []].append(item)
    }
    return order.map { ($0, byTopic[$0] ?? []) }
}
