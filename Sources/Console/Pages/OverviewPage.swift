import LagHealth

/// `/`: brokers, topics with offsets, retention and produce rate, and the groups that need attention.
struct OverviewPage {
    var overview: ClusterOverview
    var groups: [GroupSummary]

    func render() -> String {
        let troubled = groups.filter { $0.status >= .warning }.count
        let kpis = Components.kpis([
            ("Brokers", NumberText.grouped(overview.brokers.count), nil),
            ("Topics", NumberText.grouped(overview.topics.count), nil),
            ("Partitions", NumberText.grouped(overview.partitionCount), nil),
            ("Records held", NumberText.grouped(overview.recordCount), "latest − earliest offsets"),
            ("Produce rate", NumberText.rate(overview.topics.compactMap(\.produceRate).reduce(0, +)) + " /s", "all topics"),
            ("Consumer groups", NumberText.grouped(groups.count), troubled == 0 ? "none need attention" : "\(troubled) need attention"),
        ])
        let brokers = Components.table(
            [.init(title: "ID"), .init(title: "Address"), .init(title: "Leader of", numeric: true)],
            rows: overview.brokers.map { broker in
                [String(broker.id), #"<span class="mono">\#(HTMLText.escape("\(broker.host):\(broker.port)"))</span>"#, "\(NumberText.grouped(broker.leaderPartitions)) partitions"]
            },
            empty: "The cluster lists no brokers.")
        let topics = Components.table(
            id: "topics",
            [
                .init(title: "Topic"), .init(title: "Partitions", numeric: true), .init(title: "RF", numeric: true),
                .init(title: "End offset", numeric: true), .init(title: "Records", numeric: true), .init(title: "Retention"),
                .init(title: "Produce rate", numeric: true), .init(title: "Last samples"),
            ],
            rows: overview.topics.map { topic in
                let underReplicated = topic.underReplicatedPartitions > 0
                    ? #" <span class="badge b-warn" title="partitions with fewer in-sync replicas than replicas">\#(topic.underReplicatedPartitions) under-replicated</span>"# : ""
                return [
                    Components.link(topic.name, to: Components.topicHref(topic.name)) + underReplicated,
                    String(topic.partitions), String(topic.replicationFactor),
                    Components.number(topic.endOffset), Components.number(topic.records),
                    HTMLText.escape(Self.retention(topic)),
                    Components.rate(topic.produceRate),
                    LineChart.sparkline(topic.rateHistory.map { ($0.timestamp, $0.recordsPerSecond) }),
                ]
            },
            empty: "No topics yet.")
        let groupRows = groups.sorted { ($0.status, $0.totalLag) > ($1.status, $1.totalLag) }.prefix(8).map { group in
            [Components.link(group.group, to: Components.groupHref(group.group)), HTMLText.escape(group.state), Components.number(group.totalLag), Components.badge(group.status)]
        }
        let groupTable = Components.table(
            [.init(title: "Group"), .init(title: "State"), .init(title: "Lag", numeric: true), .init(title: "Verdict")],
            rows: Array(groupRows), empty: "No consumer groups.")
        return kpis
            + Components.card("Topics", hint: "\(overview.topics.count) topics", tools: Components.filter(for: "topics", placeholder: "Filter topics"), bodyHTML: topics)
            + #"<div class="grid-2">"#
            + Components.card("Brokers", bodyHTML: brokers)
            + Components.card("Consumer groups", hint: "worst first", tools: #"<a class="hint" style="margin-left:auto" href="/groups">All groups →</a>"#, bodyHTML: groupTable)
            + "</div>"
    }

    static func retention(_ topic: TopicSummary) -> String {
        let time = NumberText.retention(milliseconds: topic.retentionMs)
        guard let bytes = topic.retentionBytes, bytes >= 0 else { return time }
        return "\(time) or \(NumberText.bytes(bytes))"
    }
}
