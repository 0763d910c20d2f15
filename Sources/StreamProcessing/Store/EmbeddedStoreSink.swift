/// Writes window results and alerts to the embedded store as they come: each accept is one durable
/// SQLite transaction, so `flush` has nothing left to do.
public struct EmbeddedStoreSink: Sink {
    public let name: String
    private let store: EmbeddedStore
    private let pipeline: String

    public init(store: EmbeddedStore, pipeline: String, path: String) {
        self.name = "sqlite \(path)"
        self.store = store
        self.pipeline = pipeline
    }

    public func prepare() async throws {}

    public func accept(_ output: ProcessorOutput, nowMillis: Int64) async throws {
        try store.write(results: output.windowResults, alerts: output.alerts, pipeline: pipeline)
    }

    public func flush() async throws {}
}
