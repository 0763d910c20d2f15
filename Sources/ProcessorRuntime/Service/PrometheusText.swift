import StreamProcessing

/// Renders a pipeline's status in the Prometheus text exposition format (version 0.0.4), the format
/// node_exporter's textfile collector reads. Runner and sink families carry a `stage` label (`source`,
/// `merge`); the others belong to one stage.
public enum PrometheusText {
    public static func render(_ status: PipelineStatus) -> String {
        var output = ""
        let pipeline = [("pipeline", status.pipeline)]
        typealias Samples = [(labels: [(String, String)], value: Double)]
        func family(_ name: String, _ type: String, _ help: String, _ samples: Samples) {
            output += "# HELP logport_process_\(name) \(help)\n# TYPE logport_process_\(name) \(type)\n"
            for sample in samples {
                output += "logport_process_\(name){\(sample.labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ","))} \(format(sample.value))\n"
            }
        }
        let source = status.source.stage
        let merge = status.merge?.stage
        let processor = source.metrics
        family("records_total", "counter", "Source records processed for the first time.", [(pipeline, Double(processor.recordsProcessed))])
        family("records_redelivered_total", "counter", "Source records skipped because they were already processed (replays).",
               [(pipeline, Double(processor.recordsRedelivered))])
        family("records_replayed_total", "counter", "Source records read again to rebuild a partition's windows after a restart or takeover.",
               [(pipeline, Double(processor.recordsReplayed))])
        family("records_failed_total", "counter", "Records the transforms could not parse.", [(pipeline, Double(processor.recordsFailed))])
        family("events_removed_total", "counter", "Events removed by filter or dedupe transforms.", [(pipeline, Double(processor.eventsRemoved))])
        family("partials_total", "counter", "Window shares of source partitions sent to the partials topic.",
               [(pipeline, Double(processor.partialsEmitted))])
        family("watermark_seconds", "gauge", "Event-time watermark (Unix seconds) of the merge, which closes windows; absent until every source partition reported.",
               (merge?.watermarkMillis).map { [(pipeline, Double($0) / 1000)] } ?? [])
        func perPartition(_ values: [TopicPartition: Int64], scale: Double = 1) -> Samples {
            values.sorted { $0.key < $1.key }.map {
                (pipeline + [("topic", $0.key.topic), ("partition", String($0.key.partition))], Double($0.value) / scale)
            }
        }
        family("partition_watermark_seconds", "gauge", "Event-time watermark (Unix seconds) of each source partition this processor reads.",
               perPartition(source.watermarks, scale: 1000))
        let aggregations = source.aggregations.sorted { $0.key < $1.key }
        func perAggregation(_ value: (WindowedAggregator.Metrics) -> UInt64) -> Samples {
            aggregations.map { (pipeline + [("aggregation", $0.key)], Double(value($0.value))) }
        }
        family("window_events_total", "counter", "Events added to at least one window.", perAggregation(\.eventsAggregated))
        family("late_events_accepted_total", "counter", "Late events (past their window's end in their partition) added within the lateness.",
               perAggregation(\.lateEventsAccepted))
        family("late_events_dropped_total", "counter", "Events later than the allowed lateness, dropped.", perAggregation(\.lateEventsDropped))
        if let merge {
            family("windows_emitted_total", "counter", "Merged window results emitted (first and final revisions).",
                   [(pipeline, Double(merge.metrics.windowsEmitted))])
            family("partials_after_final_total", "counter", "Window shares that arrived after their window was final, dropped.",
                   [(pipeline, Double(merge.metrics.partialsAfterFinal))])
            family("partials_replayed_total", "counter", "Partials records read again to rebuild windows after a restart or takeover.",
                   [(pipeline, Double(merge.metrics.recordsReplayed))])
            family("alerts_deduplicated_total", "counter", "Alert points absorbed by an alert already open.", [(pipeline, Double(merge.alerts.deduplicated))])
            family("alerts_suppressed_total", "counter", "Alerts not opened because of cooldown.", [(pipeline, Double(merge.alerts.suppressedByCooldown))])
        }
        let runners: [(String, PipelineRunnerMetrics, [String: [String: UInt64]])] =
            [("source", status.source.runner, status.source.sinks)] + (status.merge.map { [("merge", $0.runner, $0.sinks)] } ?? [])
        func perStage(_ value: (PipelineRunnerMetrics) -> UInt64) -> Samples {
            runners.map { (pipeline + [("stage", $0.0)], Double(value($0.1))) }
        }
        family("checkpoints_total", "counter", "Checkpoints taken.", perStage(\.checkpoints))
        family("commit_failures_total", "counter", "Checkpoints the group did not take (commits rejected while rebalancing).", perStage(\.commitFailures))
        family("notifier_failures_total", "counter", "Alert notifications that failed.", perStage(\.notifierFailures))
        family("rebalances_total", "counter", "Partition revocations seen.", perStage(\.rebalances))
        let sinks = runners.flatMap { stage in stage.2.map { (stage: stage.0, sink: $0.key, counters: $0.value) } }.sorted { $0.sink < $1.sink }
        for counter in Set(sinks.flatMap(\.counters.keys)).sorted() {
            family("sink_\(counter)_total", "counter", "Sink counter \(counter).",
                   sinks.compactMap { sink in sink.counters[counter].map { (pipeline + [("stage", sink.stage), ("sink", sink.sink)], Double($0)) } })
        }
        family("next_offset", "gauge", "Next offset to process per partition (source topics and the partials topic).",
               perPartition(source.nextOffsets.merging(merge?.nextOffsets ?? [:]) { first, _ in first }))
        return output
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
