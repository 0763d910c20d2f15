import Logging

/// Builds the sinks and notifiers a definition names, from the I/O seams the caller provides, split by
/// the stage that feeds them.
///
/// `logport process` calls this with the real transport, the librdkafka producer and the opened store;
/// tests pass in-memory ones.
public struct PipelineAssembly: Sendable {
    public var transport: any HTTPTransport
    /// nil when no Kafka producer is available: a Kafka sink or notifier is then a configuration error.
    public var publisher: (any RecordPublisher)?
    /// Opens (or returns the already open) embedded store at a path.
    public var openStore: @Sendable (String) throws -> EmbeddedStore
    public var logger: Logger

    public init(transport: any HTTPTransport, publisher: (any RecordPublisher)?,
                openStore: @escaping @Sendable (String) throws -> EmbeddedStore, logger: Logger) {
        self.transport = transport
        self.publisher = publisher
        self.openStore = openStore
        self.logger = logger
    }

    /// The source stage's sinks: those of raw events, and the partials topic when the pipeline aggregates.
    public func sourceSinks(for definition: PipelineDefinition, exchange: Exchange?) throws -> [any Sink] {
        let events = try sinks(definition.sinks.filter { $0.input == .events }, of: definition)
        guard let exchange else { return events }
        return events + [ExchangeSink(exchange: exchange, publisher: try requirePublisher(for: "partials topic \(exchange.topic)"))]
    }

    /// The merge stage's sinks: those of window results and alerts.
    public func mergeSinks(for definition: PipelineDefinition) throws -> [any Sink] {
        try sinks(definition.sinks.filter { $0.input != .events }, of: definition)
    }

    private func sinks(_ specs: [SinkSpec], of definition: PipelineDefinition) throws -> [any Sink] {
        try specs.map { spec -> any Sink in
            switch spec {
            case .clickHouse(let clickHouse):
                return ClickHouseSink(spec: clickHouse, pipeline: definition, transport: transport)
            case .sqlite(let path):
                return EmbeddedStoreSink(store: try openStore(path), pipeline: definition.name, path: path)
            case .kafka(let topic, let input):
                return KafkaSink(topic: topic, input: input, publisher: try requirePublisher(for: "kafka sink \(topic)"))
            case .file(let path, let input):
                return FileSink(path: path, input: input)
            }
        }
    }

    public func notifiers(for definition: PipelineDefinition) throws -> [any AlertNotifier] {
        try definition.notifiers.map { spec -> any AlertNotifier in
            switch spec {
            case .webhook(let url, let headers): return WebhookNotifier(url: url, headers: headers, transport: transport)
            case .kafka(let topic): return KafkaTopicNotifier(topic: topic, publisher: try requirePublisher(for: "kafka notifier \(topic)"))
            case .log: return LogNotifier(logger: logger)
            }
        }
    }

    private func requirePublisher(for what: String) throws -> any RecordPublisher {
        guard let publisher else { throw PipelineAssemblyError.noKafkaProducer(what) }
        return publisher
    }
}

public enum PipelineAssemblyError: Error, Equatable, CustomStringConvertible {
    case noKafkaProducer(String)

    public var description: String {
        switch self {
        case .noKafkaProducer(let what): return "\(what) needs a Kafka producer, and none was configured"
        }
    }
}
