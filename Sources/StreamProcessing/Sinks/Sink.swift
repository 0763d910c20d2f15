/// Where processor output goes. `accept` may buffer; once `flush` returns, everything accepted so far is
/// durable at the destination. The runner commits offsets only after every sink's `flush` returned.
public protocol Sink: Sendable {
    var name: String { get }
    /// Creates what the destination needs (tables); called once before the first `accept`.
    func prepare() async throws
    func accept(_ output: ProcessorOutput, nowMillis: Int64) async throws
    func flush() async throws
    /// The consumer was given these partitions (at start, and after a rebalance): a sink that tracks what
    /// its destination holds per partition re-reads it, since another consumer may have written meanwhile.
    func partitionsAssigned(_ partitions: [TopicPartition]) async throws
    /// Monotonic counters for metrics exposition, by snake_case name (`rows_inserted`).
    func counters() async -> [String: UInt64]
}

extension Sink {
    /// Most sinks keep no per-partition view of their destination, and count nothing of their own.
    public func partitionsAssigned(_ partitions: [TopicPartition]) async throws {}

    public func counters() async -> [String: UInt64] { [:] }
}
