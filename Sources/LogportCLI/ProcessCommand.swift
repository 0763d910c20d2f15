import ArgumentParser
import Broker
import Foundation
import KafkaClient
import Logging
import MetricsEndpoint
import NIOConcurrencyHelpers
import ProcessorRuntime
import StreamProcessing

/// `logport process`: runs one stream-processing pipeline until SIGINT or SIGTERM.
struct ProcessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Run a stream-processing pipeline: Kafka topics in; windows, detectors, alerts and sinks out.",
        discussion: """
            The pipeline YAML (see examples/pipelines/) may use ${NAME} and ${NAME:-default} to read the \
            environment. Run as many processors of one pipeline as you like, on any machines: they share its \
            consumer group (source.group_id), each source partition's share of every window goes to the \
            partials topic __logport-GROUP-partials (created on first start), and group GROUP.merge merges \
            the shares into windows, so aggregates, detectors and alerts are the same with one processor or \
            many. Checkpoints live with the groups' committed offsets, so any processor resumes any partition. \
            On SIGINT or SIGTERM a processor finishes the step in flight, flushes its sinks and checkpoints \
            before it exits; after a crash, it or another processor resumes from the last checkpoint: \
            ClickHouse tables still hold every event and every window revision exactly once.
            """
    )

    @Option(name: .customLong("config"), help: "Pipeline YAML file.")
    var configFile: String

    @Option(name: [.customShort("b"), .customLong("bootstrap-server")],
            help: "Cluster address HOST:PORT[,…]; overrides the pipeline's kafka.bootstrap.")
    var bootstrapServer: String?

    @Option(name: [.customShort("X"), .customLong("property")], help: "Extra librdkafka property KEY=VALUE (repeatable).")
    var properties: [KeyValue] = []

    @Option(help: "How often to flush sinks and commit offsets with their checkpoints (e.g. 10s).")
    var checkpointInterval = "10s"

    @Option(help: "Write Prometheus text metrics to this file now and then and at exit (node_exporter textfile collector).")
    var metricsFile: String?

    @Option(help: "Serve GET /metrics (Prometheus) and GET /health on HOST:PORT; off by default.")
    var metricsListen: String?

    @Option(help: "How often to rewrite --metrics-file.")
    var metricsInterval = "1s"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log level for librdkafka's own messages.")
    var kafkaLogLevel: Logger.Level = .warning

    func validate() throws {
        guard let interval = DurationText.millis(checkpointInterval), interval > 0 else {
            throw ValidationError("--checkpoint-interval must be a duration like 500ms, 10s or 1m")
        }
        guard let interval = DurationText.millis(metricsInterval), interval >= 100 else {
            throw ValidationError("--metrics-interval must be a duration of at least 100ms")
        }
        if let metricsListen {
            do {
                _ = try BrokerConfig.parseAddress(metricsListen, key: "--metrics-listen")
            } catch let error as BrokerConfigError {
                throw ValidationError(error.description)
            }
        }
    }

    func run() async throws {
        LoggingSetup.bootstrap(level: logLevel)
        let definition: PipelineDefinition
        do {
            definition = try PipelineConfigLoader.load(path: configFile)
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
        guard let bootstrap = bootstrapServer ?? definition.kafka.bootstrapServers else {
            throw ValidationError("no Kafka cluster: give -b HOST:PORT or kafka.bootstrap in \(configFile)")
        }
        var kafka = KafkaConfig(bootstrapServers: bootstrap, definition.kafka.properties)
        for property in properties { kafka[property.key] = property.value }
        let settings = ProcessorSettings(
            kafka: kafka, checkpointIntervalMillis: DurationText.millis(checkpointInterval) ?? 10_000,
            metricsFile: metricsFile, metricsIntervalMillis: DurationText.millis(metricsInterval) ?? 1000)
        let logger = Logger(label: "logport.process.\(definition.name)")
        let kafkaLogger = {
            var logger = Logger(label: "logport.process.kafka")
            logger.logLevel = kafkaLogLevel
            return logger
        }()

        let stop = NIOLockedValueBox(false)
        let signals = Task {
            await TerminationSignals.handle { received in
                if received == 1 {
                    logger.info("stopping: finishing the step in flight, flushing sinks, checkpointing (signal again to quit at once)")
                    stop.withLockedValue { $0 = true }
                } else {
                    // A sink or the cluster may be down, and retries take a while: quitting without the last
                    // checkpoint is safe, as after a crash.
                    logger.warning("second signal: quitting without the last checkpoint")
                    Foundation.exit(EXIT_FAILURE)
                }
            }
        }
        defer { signals.cancel() }
        let observer = PipelineObserver()
        let endpoint = try await startMetricsEndpoint(observer: observer, pipeline: definition.name, stopping: { stop.withLockedValue { $0 } }, logger: logger)
        // The pipeline ends the command: after the first signal, or when it fails.
        do {
            try await PipelineService.run(definition: definition, settings: settings, logger: logger, kafkaLogger: kafkaLogger,
                                          observer: observer, stopRequested: { stop.withLockedValue { $0 } })
        } catch {
            await endpoint?.stop()
            throw error
        }
        await endpoint?.stop()
    }

    /// `--metrics-listen`: the pipeline's status as Prometheus text; healthy while it runs and no
    /// stop was asked for.
    private func startMetricsEndpoint(
        observer: PipelineObserver, pipeline: String, stopping: @escaping @Sendable () -> Bool, logger: Logger
    ) async throws -> RunningMetricsEndpoint? {
        guard let metricsListen else { return nil }
        let address = try BrokerConfig.parseAddress(metricsListen, key: "--metrics-listen")
        return try await RoleMetricsEndpoint.start(
            role: "process", host: address.host, port: address.port, renderers: [observer.exposition],
            health: {
                let status: RoleHealth.Status = switch observer.phase {
                case .starting: .starting
                case .running: stopping() ? .stopping : .serving
                case .stopped: .stopping
                }
                return RoleHealth(status: status, details: ["role": "process", "pipeline": pipeline])
            }, logger: logger)
    }
}

/// Every SIGINT and SIGTERM, as they arrive, until the handling task is cancelled.
private enum TerminationSignals {
    /// Calls `body` with the count of signals received so far, on each one.
    static func handle(_ body: (Int) -> Void) async {
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        let queue = DispatchQueue(label: "logport.process.signals")
        let sources = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { continuation.yield(signalNumber) }
            source.resume()
            return source
        }
        var received = 0
        for await _ in signals {
            received += 1
            body(received)
        }
        sources.forEach { $0.cancel() }
    }
}
