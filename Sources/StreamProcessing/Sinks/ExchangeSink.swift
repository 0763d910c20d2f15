/// Sends the source stage's window shares and progress reports to the partials topic (`Exchange`).
///
/// `accept` hands them to the producer in order and goes on; `flush` returns once the broker acknowledged
/// everything handed over, so the runner's checkpoint after it never runs ahead of what the merge stage
/// will read. At most `maxUnacknowledged` batches wait for their acknowledgement; beyond, `accept` waits
/// for the oldest. The publisher must keep the order of records per partition (an idempotent producer):
/// a progress report must never overtake a share it follows.
public actor ExchangeSink: Sink {
    public nonisolated let name: String
    private let exchange: Exchange
    private let publisher: any RecordPublisher
    private let maxUnacknowledged: Int
    private var unacknowledged: [PublishAcknowledgement] = []

    public init(exchange: Exchange, publisher: any RecordPublisher, maxUnacknowledged: Int = 256) {
        self.name = "partials \(exchange.topic)"
        self.exchange = exchange
        self.publisher = publisher
        self.maxUnacknowledged = max(1, maxUnacknowledged)
    }

    public func prepare() async throws {}

    public func accept(_ output: ProcessorOutput, nowMillis: Int64) async throws {
        let records = exchange.records(for: output)
        guard !records.isEmpty else { return }
        unacknowledged.append(try await publisher.hand(records))
        if unacknowledged.count > maxUnacknowledged { try await unacknowledged.removeFirst().completion() }
    }

    public func flush() async throws {
        while !unacknowledged.isEmpty { try await unacknowledged.removeFirst().completion() }
    }
}
