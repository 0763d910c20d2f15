/// `/topics/{name}`: per-partition offsets, leaders and replicas, the produce rate over time and
/// the topic's own configuration.
struct TopicPage {
    var topic: TopicDetail

    func render() -> String {
        let summary = topic.summary
        let kpis = Components.kpis([
            ("Partitions", String(summary.partitions), nil),
            ("Replication factor", String(summary.replicationFactor), summary.underReplicatedPartitions > 0 ? "\(summary.underReplicatedPartitions) under-replicated" : "all in sync"),
            ("End offset", NumberText.grouped(summary.endOffset), "sum of latest offsets"),
            ("Records held", NumberText.grouped(summary.records), nil),
            ("Retention", OverviewPage.retention(summary), nil),
            ("Produce rate", summary.produceRate.map { NumberText.rate($0) + " /s" } ?? "–", "from end-offset deltas"),
        ])
        let chart = LineChart(
            series: [ChartSeries(name: "produce rate", points: summary.rateHistory.map { ($0.timestamp, $0.recordsPerSecond) })],
            unit: "records/s")
        let partitions = Components.table(
            id: "partitions",
            [
                .init(title: "Partition"), .init(title: "Leader"), .init(title: "Replicas"), .init(title: "In sync"),
                .init(title: "Earliest", numeric: true), .init(title: "Latest", numeric: true), .init(title: "Records", numeric: true),
                .init(title: "Rate", numeric: true), .init(title: "Status"), .init(title: ""),
            ],
            rows: topic.partitions.map { partition in
                let status: String
                if let error = partition.error {
                    status = #"<span class="badge b-err">\#(HTMLText.escape(error))</span>"#
                } else if partition.leader < 0 {
                    status = #"<span class="badge b-err">NO LEADER</span>"#
                } else if partition.inSyncReplicas.count < partition.replicas.count {
                    status = #"<span class="badge b-warn">UNDER-REPLICATED</span>"#
                } else {
                    status = #"<span class="badge b-ok">OK</span>"#
                }
                let browse = "\(Components.topicHref(summary.name))/messages?partition=\(partition.partition)"
                return [
                    String(partition.partition), partition.leader < 0 ? "–" : String(partition.leader),
                    Components.brokerList(partition.replicas), Components.brokerList(partition.inSyncReplicas),
                    Components.number(partition.earliestOffset), Components.number(partition.latestOffset), Components.number(partition.records),
                    Components.rate(partition.produceRate), status, Components.link("Browse", to: browse),
                ]
            },
            empty: "The topic has no partitions.")
        let configs = Components.table(
            [.init(title: "Setting"), .init(title: "Value")],
            rows: topic.configOverrides.map { [#"<span class="mono">\#(HTMLText.escape($0.name))</span>"#, #"<span class="mono">\#(HTMLText.escape($0.value ?? "(sensitive)"))</span>"#] },
            empty: "No overrides: the topic uses the broker's defaults.")
        return kpis
            + Components.card("Produce rate", hint: "records per second, from end-offset deltas between samples", bodyHTML: chart.svg(), padded: true)
            + Components.card("Partitions", bodyHTML: partitions)
            + Components.card("Configuration overrides", bodyHTML: configs)
    }
}
