import Testing
@testable import ProcessorRuntime
@testable import StreamProcessing

@Suite struct PrometheusTextTests {
    @Test func rendersEveryFamilyWithLabels() {
        var processor = PipelineProcessor.Metrics()
        processor.recordsProcessed = 12
        var aggregation = WindowedAggregator.Metrics()
        aggregation.lateEventsDropped = 3
        let status = PipelineRunner.Status(
            pipeline: "web", watermarkMillis: 1_500, runner: PipelineRunner.Metrics(), processor: processor,
            aggregations: ["traffic": aggregation], alerts: AlertEngine.Metrics(),
            nextOffsets: [TopicPartition(topic: "web.access", partition: 1): 13],
            sinks: ["clickhouse logport.t": ["rows_inserted": 7]])
        let text = PrometheusText.render(status)
        #expect(text.contains("# TYPE logport_process_records_total counter\nlogport_process_records_total{pipeline=\"web\"} 12\n"))
        #expect(text.contains("logport_process_watermark_seconds{pipeline=\"web\"} 1.5\n"))
        #expect(text.contains("logport_process_late_events_dropped_total{pipeline=\"web\",aggregation=\"traffic\"} 3\n"))
        #expect(text.contains("logport_process_sink_rows_inserted_total{pipeline=\"web\",sink=\"clickhouse logport.t\"} 7\n"))
        #expect(text.contains("logport_process_next_offset{pipeline=\"web\",topic=\"web.access\",partition=\"1\"} 13\n"))
    }
}
