import AgentKafka
import ArgumentParser
import Foundation
import LogAgent
import Logging

/// `logport agent`: tails files, receives syslog and stdin, and ships events to Kafka.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Ship logs (files, syslog, stdin) to Kafka with at-least-once delivery.",
        discussion: """
            Runs the pipeline in --config until SIGINT or SIGTERM, then drains: sources stop, events already read are \
            delivered and acknowledged (bounded by drain_timeout_ms), and file checkpoints are saved. A file line's \
            checkpoint only moves once Kafka acknowledged it, so a crash re-sends, never skips. See examples/agent/.
            """
    )

    @Option(help: "The agent's YAML configuration.")
    var config: String

    @Flag(help: "Check the configuration, print \"config OK\" or the errors, and exit.")
    var validate = false

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let agentConfig: AgentConfig
        do {
            agentConfig = try AgentConfig.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        if validate {
            print("config OK")
            return
        }
        LoggingSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "logport.agent")
        let graph: PipelineGraph
        do {
            graph = try PipelineGraph(
                config: agentConfig,
                makeSink: KafkaSinkFactory.make(flushTimeout: .milliseconds(agentConfig.drainTimeoutMs), logger: logger),
                logger: logger)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
        let pipeline = Pipeline(graph: graph, drainTimeoutMs: agentConfig.drainTimeoutMs, logger: logger)
        let signals = Task {
            try? await SignalWaiter.waitForTermination()
            guard !Task.isCancelled else { return }
            logger.info("termination signal received; draining")
            pipeline.shutdown()
        }
        defer { signals.cancel() }
        logger.info("agent running", metadata: [
            "sources": "\(graph.sources.map(\.name))", "sinks": "\(graph.sinks.map(\.name))",
        ])
        try await pipeline.run()
        logger.info("agent stopped")
    }
}
