import AgentKafka
import ArgumentParser
import Foundation
import LogAgent
import Logging
import MetricsEndpoint

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
        AgentMalloc.configure(environment: ProcessInfo.processInfo.environment)
        LoggingSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "logport.agent")
        let metrics = agentConfig.apiListen.map { _ in AgentMetrics() }
        var graph: PipelineGraph
        do {
            graph = try PipelineGraph(
                config: agentConfig,
                makeSink: KafkaSinkFactory.make(flushTimeout: .milliseconds(agentConfig.drainTimeoutMs), metrics: metrics, logger: logger),
                logger: logger)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
        if let metrics { graph = graph.metered(by: metrics) }
        let pipeline = Pipeline(graph: graph, drainTimeoutMs: agentConfig.drainTimeoutMs, logger: logger)
        let role = RoleState(details: ["role": "agent"])
        var endpoint: RunningMetricsEndpoint?
        if let metrics, let api = agentConfig.apiListen {
            endpoint = try await RoleMetricsEndpoint.start(
                role: "agent", host: api.host, port: api.port, renderers: [metrics.exposition], health: { role.health }, logger: logger)
        }
        let signals = Task {
            try? await SignalWaiter.waitForTermination()
            guard !Task.isCancelled else { return }
            logger.info("termination signal received; draining")
            role.set(.stopping)
            pipeline.shutdown()
        }
        defer { signals.cancel() }
        // Start-up is over: what stays resident from here is the code shipping runs.
        let released = StartupPages.release()
        logger.debug("start-up pages released", metadata: ["bytes": "\(released)"])
        logger.info("agent running", metadata: [
            "sources": "\(graph.sources.map(\.name))", "sinks": "\(graph.sinks.map(\.name))",
        ])
        role.set(.serving)
        do {
            try await pipeline.run()
        } catch {
            await endpoint?.stop()
            throw error
        }
        await endpoint?.stop()
        logger.info("agent stopped")
    }
}
