/// Sends the source stage's window shares and progress reports to the partials topic (`Exchange`).
/// `accept` returns once the broker acknowledged them, so the runner's checkpoint after `flush` never runs
/// ahead of what the merge stage will read. The publisher must keep the order of records per partition
/// (an idempotent producer): a progress report must never overtake a share it follows.
public struct ExchangeSink: Sink {
    public let name: String
    private let exchange: Exchange
    private let publisher: any RecordPublisher

    public init(exchange: Exchange, publisher: any RecordPublisher) {
        self.name = "partials \(exchange.topic)"
        self.exchange = exchange
        self.publisher = publisher
    }

    public func prepare() async throws {}

    public func accept(_ output: ProcessorOutput, nowMillis: Int64) async throws {
        let records = exchange.records(for: output)
        guard !records.isEmpty else { return }
        try await publisher.publish(records)
    }

    public func flush() async throws {}
}
