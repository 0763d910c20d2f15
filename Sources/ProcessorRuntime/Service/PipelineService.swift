import Foundation
import KafkaClient
import Logging
import NIOConcurrencyHelpers
import StreamProcessing

/// How `logport process` runs a pipeline: where Kafka is, how often to checkpoint, where metrics go.
public struct ProcessorSettings: Sendable {
    /// Bootstrap servers and extra librdkafka properties, shared by the consumers and the producer.
    public var kafka: KafkaConfig
    public var checkpointIntervalMillis: Int64
    /// Prometheus text, rewritten every `metricsIntervalMillis` and at exit; nil: none.
    public var metricsFile: String?
    public var metricsIntervalMillis: Int64
    /// How often the merge stage looks for new partitions of the source topics.
    public var topologyIntervalMillis: Int64

    public init(kafka: KafkaConfig, checkpointIntervalMillis: Int64 = 10_000, metricsFile: String? = nil,
                metricsIntervalMillis: Int64 = 1000, topologyIntervalMillis: Int64 = 30_000) {
        self.kafka = kafka
        self.checkpointIntervalMillis = checkpointIntervalMillis
        self.metricsFile = metricsFile
        self.metricsIntervalMillis = metricsIntervalMillis
        self.topologyIntervalMillis = topologyIntervalMillis
    }
}

/// The runners of one pipeline, for metrics: the source stage, and the merge stage when it aggregates.
public struct PipelineRunners: Sendable {
    public var pipeline: String
    public var source: PipelineRunner<PipelineProcessor>
    public var merge: PipelineRunner<MergeProcessor>?

    public func status() async -> PipelineStatus {
        PipelineStatus(pipeline: pipeline, source: await source.status(), merge: await merge?.status())
    }
}

public struct PipelineStatus: Sendable {
    public var pipeline: String
    public var source: PipelineRunner<PipelineProcessor>.Status
    public var merge: PipelineRunner<MergeProcessor>.Status?
}

/// One pipeline from its Kafka topics to its sinks and notifiers, until asked to stop.
///
/// Two stages run side by side, each a consumer group (see README, "Scaling out"):
/// - the source stage reads the pipeline's topics in its group (`source.group_id`): transforms, raw-event
///   sinks, and each source partition's share of every window, sent to the partials topic
///   (`__logport-<group>-partials`, created on first start with as many partitions as the source topics);
/// - the merge stage reads the partials topic in group `<group>.merge`: windows merged over all source
///   partitions, detectors, alerts, aggregate sinks and notifiers.
/// Both keep their checkpoints with their group's committed offsets, so any member resumes any partition.
/// Stopping is graceful: the steps in flight complete, sinks flush, checkpoints are saved, the consumers
/// leave their groups and the producer delivers what it holds. A runner failure (say ClickHouse
/// unreachable after all retries) stops the other stage too and closes the clients before it is rethrown.
public enum PipelineService {
    /// `kafkaLogger` receives librdkafka's own messages, usually at a quieter level than `logger`;
    /// `observer`, when given, follows the run for a metrics endpoint.
    public static func run(definition: PipelineDefinition, settings: ProcessorSettings, logger: Logger, kafkaLogger: Logger,
                           observer: PipelineObserver? = nil, stopRequested: @escaping @Sendable () -> Bool) async throws {
        let clientID = "logport-process-\(definition.name)"
        let producer = try needsProducer(definition)
            ? KafkaProducer(config: KafkaRecordPublisher.producerConfig(base: settings.kafka, clientID: clientID,
                                                                       maxRecordBytes: ExchangeTopic.maxRecordBytes), logger: kafkaLogger)
            : nil
        let admin = try KafkaAdmin(config: settings.kafka, logger: kafkaLogger)
        var closing: [@Sendable () async -> Void] = [{ await admin.close() }, { await producer?.close() }]
        var failure: (any Error)?
        do {
            let assembly = PipelineAssembly(transport: CurlTransport(), publisher: producer.map(KafkaRecordPublisher.init),
                                            openStore: { try EmbeddedStore(path: $0) }, logger: logger)
            let exchange = definition.hasMergeStage ? try await ExchangeTopic.prepare(definition, admin: admin) : nil

            let sourceConsumer = try groupConsumer(definition.source.groupID, settings: settings, clientID: clientID, logger: kafkaLogger)
            let source = KafkaRecordSource(consumer: sourceConsumer, logger: logger)
            closing.insert({ await close(source, logger: logger) }, at: 0)
            let sourceRunner = PipelineRunner(
                name: "source", pipeline: definition.name, stage: try PipelineProcessor(definition: definition), source: source,
                checkpoints: KafkaCheckpointStore(consumer: sourceConsumer, placement: .commitMetadata),
                sinks: try assembly.sourceSinks(for: definition, exchange: exchange), checkpointIntervalMillis: settings.checkpointIntervalMillis,
                clock: { KafkaTimestamp.now.milliseconds }, logger: logger)

            var mergeRunner: PipelineRunner<MergeProcessor>?
            var mergeSource: KafkaRecordSource?
            if let exchange, let producer {
                let consumer = try groupConsumer(definition.mergeGroupID, settings: settings, clientID: clientID, logger: kafkaLogger)
                let records = KafkaRecordSource(consumer: consumer, logger: logger)
                closing.insert({ await close(records, logger: logger) }, at: 0)
                var merge = MergeProcessor(definition: definition)
                merge.updateSourcePartitions(try await ExchangeTopic.sourcePartitions(of: definition, admin: admin))
                mergeRunner = PipelineRunner(
                    name: "merge", pipeline: definition.name, stage: merge, source: records,
                    checkpoints: KafkaCheckpointStore(consumer: consumer, placement: .records(producer: producer, reader: settings.kafka), logger: logger),
                    sinks: try assembly.mergeSinks(for: definition), notifiers: try assembly.notifiers(for: definition),
                    checkpointIntervalMillis: settings.checkpointIntervalMillis, clock: { KafkaTimestamp.now.milliseconds }, logger: logger)
                mergeSource = records
                logger.info("merging window shares", metadata: [
                    "pipeline": "\(definition.name)", "partials topic": "\(exchange.topic)", "partitions": "\(exchange.partitionCount)",
                    "group": "\(definition.mergeGroupID)",
                ])
            }
            let runners = PipelineRunners(pipeline: definition.name, source: sourceRunner, merge: mergeRunner)
            observer?.attach(runners)
            try await run(runners, definition: definition, settings: settings, sources: (source, mergeSource), admin: admin,
                          observer: observer, logger: logger, stopRequested: stopRequested)
        } catch {
            failure = error
        }
        observer?.enter(.stopped)
        for close in closing { await close() }
        if let failure { throw failure }
        logger.info("pipeline stopped", metadata: ["pipeline": "\(definition.name)"])
    }

    private static func run(_ runners: PipelineRunners, definition: PipelineDefinition, settings: ProcessorSettings,
                            sources: (source: KafkaRecordSource, merge: KafkaRecordSource?), admin: KafkaAdmin,
                            observer: PipelineObserver?, logger: Logger, stopRequested: @escaping @Sendable () -> Bool) async throws {
        let metrics = settings.metricsFile.map { MetricsPublisher(file: MetricsFile(path: $0), runners: runners, logger: logger) }
        let publishing = metrics.map { metrics in Task { await metrics.publishEvery(millis: settings.metricsIntervalMillis) } }
        defer { publishing?.cancel() }
        try await runners.source.start()
        try await runners.merge?.start()
        try await sources.source.start(subscribingTo: definition.source.topics)
        try await sources.merge?.start(subscribingTo: [definition.exchangeTopic])
        logger.info("pipeline running", metadata: ["pipeline": "\(definition.name)", "topics": "\(definition.source.topics)"])
        observer?.enter(.running)

        // Either stage failing stops the other, so the pipeline fails as one.
        let failed = NIOLockedValueBox(false)
        let stop: @Sendable () -> Bool = { stopRequested() || failed.withLockedValue { $0 } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for runner in [runners.source as any StageLoop] + (runners.merge.map { [$0 as any StageLoop] } ?? []) {
                group.addTask {
                    do {
                        try await runner.run(until: stop)
                    } catch {
                        failed.withLockedValue { $0 = true }
                        throw error
                    }
                }
            }
            if let merge = runners.merge {
                group.addTask {
                    await followTopology(of: definition, merge: merge, admin: admin, everyMillis: settings.topologyIntervalMillis,
                                         until: stop, logger: logger)
                }
            }
            try await group.waitForAll()
        }
        publishing?.cancel()
        await publishing?.value
        await metrics?.publishNow()
    }

    /// New partitions of the source topics make the merge wait for them too.
    private static func followTopology(of definition: PipelineDefinition, merge: PipelineRunner<MergeProcessor>, admin: KafkaAdmin,
                                       everyMillis: Int64, until stop: @escaping @Sendable () -> Bool, logger: Logger) async {
        var waited: Int64 = 0
        while !stop() {
            try? await Task.sleep(for: .milliseconds(200))
            waited += 200
            guard waited >= everyMillis else { continue }
            waited = 0
            do {
                let partitions = try await ExchangeTopic.sourcePartitions(of: definition, admin: admin)
                await merge.updateStage { $0.updateSourcePartitions(partitions) }
            } catch {
                logger.warning("cannot list the source topics' partitions; the merge keeps the ones it knows",
                               metadata: ["pipeline": "\(definition.name)", "error": "\(error)"])
            }
        }
    }

    private static func groupConsumer(_ groupID: String, settings: ProcessorSettings, clientID: String, logger: Logger) throws -> KafkaConsumer {
        let config = KafkaRecordSource.consumerConfig(base: settings.kafka, groupID: groupID, clientID: clientID)
        return try KafkaConsumer(config: config, revocationTimeout: KafkaRecordSource.revocationTimeout(for: config), logger: logger)
    }

    private static func close(_ source: KafkaRecordSource, logger: Logger) async {
        do {
            try await source.close()
        } catch {
            logger.warning("leaving the consumer group failed", metadata: ["error": "\(error)"])
        }
    }

    /// The partials topic and the merge checkpoints need a producer, as do Kafka sinks and notifiers.
    private static func needsProducer(_ definition: PipelineDefinition) -> Bool {
        definition.hasMergeStage
            || definition.sinks.contains { if case .kafka = $0 { return true } else { return false } }
            || definition.notifiers.contains { if case .kafka = $0 { return true } else { return false } }
    }
}

/// What the service needs of a runner to drive it, whatever its stage.
private protocol StageLoop: Sendable {
    func run(until stopRequested: @Sendable () -> Bool) async throws
}

extension PipelineRunner: StageLoop {}

/// Writes the runners' status to the metrics file now and then; a failed write is logged, never fatal.
struct MetricsPublisher: Sendable {
    let file: MetricsFile
    let runners: PipelineRunners
    let logger: Logger

    func publishEvery(millis: Int64) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(max(100, millis)))
            await publishNow()
        }
    }

    func publishNow() async {
        do {
            try file.write(PrometheusText.render(await runners.status()))
        } catch {
            logger.warning("\(error)")
        }
    }
}
