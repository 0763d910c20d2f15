import StreamProcessing

/// Renders a runner's status in the Prometheus text exposition format (version 0.0.4), the format
/// node_exporter's textfile collector reads.
public enum PrometheusText {
    public static func render(_ status: PipelineRunner.Status) -> String {
        var output = ""
        let pipeline = [("pipeline", status.pipeline)]
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: Double)]) {
            output += "# HELP logport_process_\(name) \(help)\n# TYPE logport_process_\(name) \(type)\n"
            for sample in samples {
                output += "logport_process_\(name){\(sample.labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ","))} \(format(sample.value))\n"
            }
        }
        let processor = status.processor
        family("records_total", "counter", "Records processed for the first time.", [(pipeline, Double(processor.recordsProcessed))])
        family("records_redelivered_total", "counter", "Records skipped because they were already processed (replays).",
               [(pipeline, Double(processor.recordsRedelivered))])
        family("records_failed_total", "counter", "Records the transforms could not parse.", [(pipeline, Double(processor.recordsFailed))])
        family("events_removed_total", "counter", "Events removed by filter or dedupe transforms.", [(pipeline, Double(processor.eventsRemoved))])
        family("watermark_seconds", "gauge", "Event-time watermark (Unix seconds); absent until every partition delivered or went idle.",
               status.watermarkMillis == .min ? [] : [(pipeline, Double(status.watermarkMillis) / 1000)])
        let aggregations = status.aggregations.sorted { $0.key < $1.key }
        func perAggregation(_ value: (WindowedAggregator.Metrics) -> UInt64) -> [(labels: [(String, String)], value: Double)] {
            aggregations.map { (pipeline + [("aggregation", $0.key)], Double(value($0.value))) }
        }
        family("window_events_total", "counter", "Events added to at least one window.", perAggregation(\.eventsAggregated))
        family("late_events_accepted_total", "counter", "Late events that updated an already emitted window.", perAggregation(\.lateEventsAccepted))
        family("late_events_dropped_total", "counter", "Events later than the allowed lateness, dropped.", perAggregation(\.lateEventsDropped))
        family("alerts_deduplicated_total", "counter", "Alert points absorbed by an alert already open.", [(pipeline, Double(status.alerts.deduplicated))])
        family("alerts_suppressed_total", "counter", "Alerts not opened because of cooldown.", [(pipeline, Double(status.alerts.suppressedByCooldown))])
        let runner = status.runner
        family("checkpoints_total", "counter", "Checkpoints saved.", [(pipeline, Double(runner.checkpoints))])
        family("commit_failures_total", "counter", "Offset commits the group rejected.", [(pipeline, Double(runner.commitFailures))])
        family("notifier_failures_total", "counter", "Alert notifications that failed.", [(pipeline, Double(runner.notifierFailures))])
        family("rebalances_total", "counter", "Partition revocations seen.", [(pipeline, Double(runner.rebalances))])
        let sinkCounters = status.sinks.sorted { $0.key < $1.key }
        for counter in Set(sinkCounters.flatMap(\.value.keys)).sorted() {
            family("sink_\(counter)_total", "counter", "Sink counter \(counter).",
                   sinkCounters.compactMap { sink in sink.value[counter].map { (pipeline + [("sink", sink.key)], Double($0)) } })
        }
        family("next_offset", "gauge", "Next offset to process per partition.",
               status.nextOffsets.sorted { $0.key < $1.key }.map {
                   (pipeline + [("topic", $0.key.topic), ("partition", String($0.key.partition))], Double($0.value))
               })
        return output
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
