/// Publishes rows as JSON records to a topic through the producer seam; keyed by group key (or alert id,
/// or source partition for events), so one series stays in one partition and in order.
public struct KafkaSink: Sink {
    public let name: String
    private let topic: String
    private let input: SinkInput
    private let publisher: any RecordPublisher

    public init(topic: String, input: SinkInput, publisher: any RecordPublisher) {
        self.name = "kafka \(topic)"
        self.topic = topic
        self.input = input
        self.publisher = publisher
    }

    public func prepare() async throws {}

    public func accept(_ output: ProcessorOutput, nowMillis: Int64) async throws {
        let rows = SinkRows.rows(for: input, from: output, includeAggregationName: true)
        guard !rows.isEmpty else { return }
        try await publisher.publish(rows.map { OutgoingRecord(topic: topic, key: Array($0.key.utf8), value: Array(SinkRows.jsonLine($0.fields).utf8)) })
    }

    /// The producer seam is responsible for delivery (`acks=all`); publish returns once acknowledged.
    public func flush() async throws {}
}
