/// `/pipelines`: every pipeline in the embedded store, its aggregations, newest window and firing alerts.
struct PipelinesPage {
    var pipelines: [PipelineSummary]

    func render() -> String {
        let table = Components.table(
            id: "pipelines",
            [.init(title: "Pipeline"), .init(title: "Aggregations"), .init(title: "Newest window ends"), .init(title: "Firing alerts", numeric: true)],
            rows: pipelines.map { pipeline in
                [
                    Components.link(pipeline.name, to: Components.pipelineHref(pipeline.name)),
                    pipeline.aggregations.map { #"<span class="chip">\#(HTMLText.escape($0))</span>"# }.joined(),
                    pipeline.latestWindowEnd.map { NumberText.timestamp(milliseconds: $0) } ?? "–",
                    Components.number(Int64(pipeline.firingAlerts)),
                ]
            },
            empty: "No pipeline has written a window yet.")
        return Components.card("Pipelines", hint: "from the processor's embedded store", bodyHTML: table)
    }
}
