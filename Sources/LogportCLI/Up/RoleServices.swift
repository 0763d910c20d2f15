import AgentKafka
import Foundation
import LogAgent
import Logging
import NIOConcurrencyHelpers
import ProcessorRuntime
import ServiceLifecycle
import StreamProcessing

/// The agent as a service of `logport up`: on graceful shutdown its sources stop, what they read is
/// delivered and acknowledged (bounded by the configuration's drain_timeout_ms) and checkpoints are saved,
/// as `logport agent` does on SIGTERM.
struct AgentService: Service {
    let pipeline: Pipeline

    init(config: AgentConfig, logger: Logger) throws {
        let graph = try PipelineGraph(
            config: config, makeSink: KafkaSinkFactory.make(flushTimeout: .milliseconds(config.drainTimeoutMs), logger: logger),
            logger: logger)
        pipeline = Pipeline(graph: graph, drainTimeoutMs: config.drainTimeoutMs, logger: logger)
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await pipeline.run()
        } onGracefulShutdown: {
            pipeline.shutdown()
        }
    }
}

/// One stream-processing pipeline as a service of `logport up`: on graceful shutdown it finishes the step
/// in flight, flushes its sinks, checkpoints and commits, then leaves its consumer group, as
/// `logport process` does on its first SIGTERM.
struct ProcessorService: Service {
    let definition: PipelineDefinition
    let settings: ProcessorSettings
    let logger: Logger

    func run() async throws {
        let stop = NIOLockedValueBox(false)
        var kafkaLogger = Logger(label: "logport.process.kafka")
        kafkaLogger.logLevel = .warning
        try await withGracefulShutdownHandler {
            try await PipelineService.run(definition: definition, settings: settings, logger: logger, kafkaLogger: kafkaLogger,
                                          stopRequested: { stop.withLockedValue { $0 } })
        } onGracefulShutdown: {
            stop.withLockedValue { $0 = true }
        }
    }
}
