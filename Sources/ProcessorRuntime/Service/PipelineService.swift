import Foundation
import KafkaClient
import Logging
import StreamProcessing

/// How `logport process` runs a pipeline: where Kafka is, where checkpoints and metrics go, how often.
public struct ProcessorSettings: Sendable {
    /// Bootstrap servers and extra librdkafka properties, shared by the consumer and the producer.
    public var kafka: KafkaConfig
    /// Holds one checkpoint file per pipeline.
    public var stateDirectory: String
    public var checkpointIntervalMillis: Int64
    /// Prometheus text, rewritten every `metricsIntervalMillis` and at exit; nil: none.
    public var metricsFile: String?
    public var metricsIntervalMillis: Int64

    public init(kafka: KafkaConfig, stateDirectory: String, checkpointIntervalMillis: Int64 = 10_000, metricsFile: String? = nil,
                metricsIntervalMillis: Int64 = 1000) {
        self.kafka = kafka
        self.stateDirectory = stateDirectory
        self.checkpointIntervalMillis = checkpointIntervalMillis
        self.metricsFile = metricsFile
        self.metricsIntervalMillis = metricsIntervalMillis
    }
}

/// One pipeline from its Kafka topics to its sinks and notifiers, until asked to stop.
///
/// Builds the consumer-group source, the committer, a producer when a Kafka sink or notifier needs one,
/// the sinks (ClickHouse over HTTP, SQLite, files) and file checkpoints, then drives `PipelineRunner`.
/// Stopping is graceful: the step in flight completes, sinks flush, the checkpoint is saved, offsets are
/// committed, the consumer leaves the group and the producer delivers what it holds. A runner failure
/// (say ClickHouse unreachable after all retries) also closes the clients before it is rethrown.
public enum PipelineService {
    /// `kafkaLogger` receives librdkafka's own messages, usually at a quieter level than `logger`;
    /// `observer`, when given, follows the run for a metrics endpoint.
    public static func run(definition: PipelineDefinition, settings: ProcessorSettings, logger: Logger, kafkaLogger: Logger,
                           observer: PipelineObserver? = nil, stopRequested: @escaping @Sendable () -> Bool) async throws {
        let clientID = "logport-process-\(definition.name)"
        let consumerConfig = KafkaRecordSource.consumerConfig(base: settings.kafka, groupID: definition.source.groupID, clientID: clientID)
        let consumer = try KafkaConsumer(config: consumerConfig, revocationTimeout: KafkaRecordSource.revocationTimeout(for: consumerConfig),
                                         logger: kafkaLogger)
        let producer = try needsProducer(definition)
            ? KafkaProducer(config: KafkaRecordPublisher.producerConfig(base: settings.kafka, clientID: clientID), logger: kafkaLogger) : nil
        let source = KafkaRecordSource(consumer: consumer, logger: logger)
        let assembly = PipelineAssembly(transport: CurlTransport(), publisher: producer.map(KafkaRecordPublisher.init),
                                        openStore: { try EmbeddedStore(path: $0) }, logger: logger)
        let runner = PipelineRunner(
            definition: definition, source: source, committer: KafkaOffsetCommitter(consumer: consumer),
            sinks: try assembly.sinks(for: definition), notifiers: try assembly.notifiers(for: definition),
            checkpoints: FileCheckpointStore(directory: settings.stateDirectory),
            checkpointIntervalMillis: settings.checkpointIntervalMillis,
            clock: { KafkaTimestamp.now.milliseconds }, logger: logger)
        observer?.attach(runner)
        defer { observer?.enter(.stopped) }
        let metrics = settings.metricsFile.map { MetricsPublisher(file: MetricsFile(path: $0), runner: runner, logger: logger) }
        let publishing = metrics.map { metrics in Task { await metrics.publishEvery(millis: settings.metricsIntervalMillis) } }

        var failure: (any Error)?
        do {
            try await runner.start()
            try await source.start(subscribingTo: definition.source.topics)
            logger.info("pipeline running", metadata: ["pipeline": "\(definition.name)", "topics": "\(definition.source.topics)"])
            observer?.enter(.running)
            try await runner.run(until: stopRequested)
        } catch {
            failure = error
        }
        publishing?.cancel()
        await publishing?.value
        await metrics?.publishNow()
        do {
            try await source.close()
        } catch {
            logger.warning("leaving the consumer group failed", metadata: ["error": "\(error)"])
        }
        await producer?.close()
        if let failure { throw failure }
        logger.info("pipeline stopped", metadata: ["pipeline": "\(definition.name)"])
    }

    private static func needsProducer(_ definition: PipelineDefinition) -> Bool {
        definition.sinks.contains { if case .kafka = $0 { return true } else { return false } }
            || definition.notifiers.contains { if case .kafka = $0 { return true } else { return false } }
    }
}

/// Writes the runner's status to the metrics file now and then; a failed write is logged, never fatal.
struct MetricsPublisher: Sendable {
    let file: MetricsFile
    let runner: PipelineRunner
    let logger: Logger

    func publishEvery(millis: Int64) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(max(100, millis)))
            await publishNow()
        }
    }

    func publishNow() async {
        guard let status = await runner.status() else { return }
        do {
            try file.write(PrometheusText.render(status))
        } catch {
            logger.warning("\(error)")
        }
    }
}
