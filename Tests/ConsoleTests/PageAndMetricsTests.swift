import Console
import Foundation
import KafkaClient
import Testing

@Suite("Console pages, /metrics and /health against a real broker")
struct PageAndMetricsTests {
    @Test("the overview, topic and group pages show the broker's numbers")
    func pages() async throws {
        let topic = Broker.unique("pages")
        let group = Broker.unique("readers")
        let admin = try await Broker.createTopic(topic, partitions: 2)
        try await produce(topic: topic, partition: 0, count: 1234)
        try await commit(group: group, [TopicPartition(topic: topic, partition: 0): 1000])
        let harness = try ConsoleHarness()
        await harness.sample()

        let overview = try await harness.get("/")
        #expect(overview.contains(#"<a href="/topics/\#(topic)">\#(topic)</a>"#))
        #expect(overview.contains(#"<span data-value="1234">1,234</span>"#))
        let topicPage = try await harness.get("/topics/\(topic)")
        #expect(topicPage.contains("<h1>\(topic)</h1>"))
        #expect(topicPage.contains(#"<span data-value="1234">1,234</span>"#))
        #expect(topicPage.contains("<svg class=\"chart\""))
        let groupPage = try await harness.get("/groups/\(group)")
        #expect(groupPage.contains(#"<span data-value="234">234</span>"#))
        #expect(groupPage.contains(#"<span data-value="1000">1,000</span>"#))
        for page in [overview, topicPage, groupPage] {
            #expect(!page.contains("http://") && !page.contains("https://"), "pages load nothing from elsewhere")
        }
        try await admin.deleteTopics([topic])
    }

    @Test("/metrics counts sampling rounds and exports each group's lag; /health reports the last round")
    func metricsAndHealth() async throws {
        let topic = Broker.unique("metrics")
        let group = Broker.unique("measured")
        let admin = try await Broker.createTopic(topic, partitions: 1)
        try await produce(topic: topic, partition: 0, count: 9)
        try await commit(group: group, [TopicPartition(topic: topic, partition: 0): 2])
        let harness = try ConsoleHarness()

        let starting = try await harness.get("/health")
        #expect(starting.contains(#""status":"starting""#))
        await harness.sample(times: 2)
        let metrics = try await harness.get("/metrics")
        #expect(metrics.contains("logport_console_sample_rounds_total 2\n"))
        #expect(metrics.contains("logport_console_sample_failures_total 0\n"))
        #expect(metrics.contains(#"logport_consumer_group_lag{group="\#(group)"} 7.0"#))
        #expect(metrics.contains("# TYPE logport_console_sample_duration_seconds histogram"))
        let health = try await harness.get("/health")
        #expect(health.contains(#""status":"ok""#) && health.contains(#""rounds":2"#))
        try await admin.deleteTopics([topic])
    }
}
