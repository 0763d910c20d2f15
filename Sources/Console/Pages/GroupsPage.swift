import LagHealth

/// `/groups`: every consumer group with its state, members, total lag and verdict.
struct GroupsPage {
    var groups: [GroupSummary]

    func render() -> String {
        let counts = Dictionary(grouping: groups, by: \.status).mapValues(\.count)
        let kpis = Components.kpis([
            ("Groups", NumberText.grouped(groups.count), nil),
            ("OK", NumberText.grouped(counts[.ok] ?? 0), nil),
            ("Warning", NumberText.grouped(counts[.warning] ?? 0), nil),
            ("Error", NumberText.grouped(counts[.error] ?? 0), "stopped, stalled or rewound"),
            ("Total lag", NumberText.grouped(groups.reduce(Int64(0)) { $0 + $1.totalLag }), "records"),
        ])
        let table = Components.table(
            id: "groups",
            [
                .init(title: "Group"), .init(title: "State"), .init(title: "Type"), .init(title: "Members", numeric: true),
                .init(title: "Topics"), .init(title: "Total lag", numeric: true), .init(title: "Verdict"), .init(title: "Why"),
            ],
            rows: groups.map { group in
                [
                    Components.link(group.group, to: Components.groupHref(group.group)), HTMLText.escape(group.state), HTMLText.escape(group.type),
                    String(group.members), group.topics.map { Components.link($0, to: Components.topicHref($0)) }.joined(separator: ", "),
                    Components.number(group.totalLag), Components.badge(group.status), #"<span class="reason">\#(HTMLText.escape(group.reason))</span>"#,
                ]
            },
            empty: "No consumer groups yet.")
        return kpis + Components.card("Consumer groups", tools: Components.filter(for: "groups", placeholder: "Filter groups"), bodyHTML: table)
    }
}
