import Testing
@testable import ProcessorRuntime
@testable import StreamProcessing

@Suite struct PrometheusTextTests {
    @Test func rendersEveryFamilyWithLabels() {
        var processor = PipelineProcessor.Metrics()
        processor.recordsProcessed = 12
        var aggregation = WindowedAggregator.Metrics()
        aggregation.lateEventsDropped = 3
        var merge = MergeProcessor.Metrics()
        merge.windowsEmitted = 4
        var runner = PipelineRunnerMetrics()
        runner.checkpoints = 2
        let status = PipelineStatus(
            pipeline: "web",
            source: .init(runner: runner,
                          stage: .init(metrics: processor, aggregations: ["traffic": aggregation],
                                       nextOffsets: [TopicPartition(topic: "web.access", partition: 1): 13],
                                       watermarks: [TopicPartition(topic: "web.access", partition: 1): 900]),
                          sinks: ["clickhouse logport.events": ["rows_inserted": 7]]),
            merge: .init(runner: PipelineRunnerMetrics(),
                         stage: .init(metrics: merge, alerts: AlertEngine.Metrics(), watermarkMillis: 1_500,
                                      nextOffsets: [TopicPartition(topic: "__logport-g-partials", partition: 0): 21]),
                         sinks: ["clickhouse logport.t": ["rows_inserted": 5]]))
        let text = PrometheusText.render(status)
        #expect(text.contains("# TYPE logport_process_records_total counter\nlogport_process_records_total{pipeline=\"web\"} 12\n"))
        #expect(text.contains("logport_process_watermark_seconds{pipeline=\"web\"} 1.5\n"))
        #expect(text.contains("logport_process_partition_watermark_seconds{pipeline=\"web\",topic=\"web.access\",partition=\"1\"} 0.9\n"))
        #expect(text.contains("logport_process_late_events_dropped_total{pipeline=\"web\",aggregation=\"traffic\"} 3\n"))
        #expect(text.contains("logport_process_windows_emitted_total{pipeline=\"web\"} 4\n"))
        #expect(text.contains("logport_process_checkpoints_total{pipeline=\"web\",stage=\"source\"} 2\n"))
        #expect(text.contains("logport_process_checkpoints_total{pipeline=\"web\",stage=\"merge\"} 0\n"))
        #expect(text.contains("logport_process_sink_rows_inserted_total{pipeline=\"web\",stage=\"source\",sink=\"clickhouse logport.events\"} 7\n"))
        #expect(text.contains("logport_process_sink_rows_inserted_total{pipeline=\"web\",stage=\"merge\",sink=\"clickhouse logport.t\"} 5\n"))
        #expect(text.contains("logport_process_next_offset{pipeline=\"web\",topic=\"web.access\",partition=\"1\"} 13\n"))
        #expect(text.contains("logport_process_next_offset{pipeline=\"web\",topic=\"__logport-g-partials\",partition=\"0\"} 21\n"))
    }
}
