import LagHealth

/// `/groups/{id}`: the verdict and why, lag over time, members with their assignments, and per
/// partition the committed offset, end offset, lag and partition verdict.
struct GroupPage {
    var group: GroupDetail

    func render() -> String {
        let summary = group.summary
        let verdict = #"<div class="verdict v-\#(Components.cssClass(summary.status).dropFirst(2))">\#(Components.badge(summary.status))<div><strong>\#(Self.headline(summary.status))</strong><span>\#(HTMLText.escape(summary.reason))</span></div></div>"#
        let kpis = Components.kpis([
            ("State", summary.state, summary.type == "simple" ? "simple group: commits only" : nil),
            ("Members", String(summary.members), nil),
            ("Total lag", NumberText.grouped(summary.totalLag), "records behind"),
            ("Partitions", String(group.partitions.count), nil),
            ("Assignor", group.partitionAssignor.isEmpty ? "–" : group.partitionAssignor, nil),
            ("Coordinator", group.coordinator.map { "broker \($0.id)" } ?? "–", group.coordinator.map { "\($0.host):\($0.port)" }),
        ])
        let chart = LineChart(series: [ChartSeries(name: "total lag", points: group.lagHistory.map { ($0.timestamp, Double($0.totalLag)) })], unit: "records")
        let members = Components.table(
            [.init(title: "Member"), .init(title: "Client ID"), .init(title: "Host"), .init(title: "Assigned partitions")],
            rows: group.members.map { member in
                [
                    #"<span class="mono">\#(HTMLText.escape(member.memberID))</span>"#, HTMLText.escape(member.clientID), HTMLText.escape(member.host),
                    member.assignment.map { #"<span class="chip">\#(HTMLText.escape($0))</span>"# }.joined(),
                ]
            },
            empty: "No active members.")
        let partitions = Components.table(
            id: "group-partitions",
            [
                .init(title: "Topic"), .init(title: "Partition", numeric: true), .init(title: "Committed", numeric: true),
                .init(title: "End", numeric: true), .init(title: "Lag", numeric: true), .init(title: "Consumer"), .init(title: "Verdict"), .init(title: "Why"),
            ],
            rows: group.partitions.map { row in
                [
                    Components.link(row.topic, to: Components.topicHref(row.topic)), String(row.partition),
                    Components.number(row.committedOffset), Components.number(row.endOffset), Components.number(row.lag),
                    row.clientID.map { HTMLText.escape("\($0) @ \(row.host ?? "")") } ?? #"<span class="muted">none</span>"#,
                    Components.badge(row.status), #"<span class="reason">\#(HTMLText.escape(row.reason))</span>"#,
                ]
            },
            empty: "The group has no committed offsets or assignments.")
        return verdict + kpis
            + Components.card("Total lag", hint: "records behind the end offset, per sample", bodyHTML: chart.svg(), padded: true)
            + Components.card("Partitions", tools: Components.filter(for: "group-partitions", placeholder: "Filter partitions"), bodyHTML: partitions)
            + Components.card("Members", bodyHTML: members)
    }

    private static func headline(_ status: GroupStatus) -> String {
        switch status {
        case .ok: "Healthy"
        case .warning: "Falling behind"
        case .error: "Needs attention"
        case .unknown: "Not enough samples yet"
        }
    }
}
