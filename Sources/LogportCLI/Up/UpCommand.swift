import ArgumentParser
import Broker
import Console
import Foundation
import KafkaClient
import LogAgent
import Logging
import MetricsEndpoint
import ProcessorRuntime
import ServiceLifecycle
import StreamProcessing

/// `logport up`: the whole pipeline on one machine in one process — broker, agent, processor and console.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run Logport on one machine: broker, agent, stream processor and web console, in one process.",
        discussion: """
            Everything lives under --data-dir: broker/ (topics, including the processors' checkpoints, which \
            live with their consumer groups), agent/ (file checkpoints) and store.db (the embedded store of \
            window aggregates and alerts the console's Pipelines pages read). Kafka clients connect to \
            --kafka-listen, the console is at --console-listen.

            With --demo, a sample web service writes nginx access logs to DATA/demo/access.log, the agent tails \
            and parses them into JSON events on the topic web.access, and the pipeline web-analytics (consumer \
            group logport-web-analytics) aggregates them per window into store.db: page views, unique visitors, \
            top pages, status codes, latency percentiles, server errors, an error-spike detector and alerts.

            Without --demo, --config up.yaml names an agent configuration and pipelines (agent: PATH, pipelines: \
            [PATH, …]; the files logport agent and logport process read). ${KAFKA_BOOTSTRAP}, ${LOGPORT_DATA} and \
            ${LOGPORT_STORE} resolve to this broker, --data-dir and DATA/store.db (${AGENT_DATA_DIR} to DATA/agent \
            unless set); a pipeline shows in the console when it has a sink sqlite: {path: "${LOGPORT_STORE}"}. \
            With neither option, up runs the broker and the console.

            On SIGINT or SIGTERM the demo stops writing, the agent drains, the processors checkpoint, the console \
            stops, then the broker.
            """
    )

    @Option(help: "Directory for everything Logport keeps.")
    var dataDir = "./logport-data"

    @Option(help: "Address for Kafka clients, HOST:PORT.")
    var kafkaListen = "127.0.0.1:9092"

    @Option(help: "Address for the web console, HOST:PORT.")
    var consoleListen = "127.0.0.1:8080"

    @Flag(help: "Run a sample web service whose access log the agent ships and the pipeline web-analytics aggregates.")
    var demo = false

    @Option(help: ArgumentHelp(
        "The demo's window (e.g. 5s; default 1m). Short windows are for tests: they settle within seconds, "
            + "but a window of a few seconds holds only a few hundred requests.", visibility: .hidden))
    var demoWindow = "1m"

    @Option(help: "up.yaml naming an agent configuration and pipelines to run (agent: PATH, pipelines: [PATH, …]).")
    var config: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard let window = DurationText.millis(demoWindow), window >= 1000 else {
            throw ValidationError("--demo-window must be a duration of at least 1s, like 5s or 1m")
        }
        if demo, config != nil { throw ValidationError("give --demo or --config, not both") }
    }

    func run() async throws {
        LoggingSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "logport.up")
        let data = URL(fileURLWithPath: dataDir)
        var brokerConfig = BrokerConfig()
        brokerConfig.dataDirectory = data.appendingPathComponent("broker").path
        let consoleAddress: (host: String, port: Int)
        do {
            try brokerConfig.set("listeners", kafkaListen)
            consoleAddress = try BrokerConfig.parseAddress(consoleListen, key: "--console-listen")
        } catch let error as BrokerConfigError {
            throw ValidationError(error.description)
        }

        let broker = try await BrokerServer.start(config: brokerConfig, logger: Logger(label: "logport.broker"))
        do {
            try await serve(bootstrap: "\(brokerConfig.listenHost):\(broker.port)", consoleAddress: consoleAddress,
                            storePath: data.appendingPathComponent("store.db").path, data: data,
                            topicPartitions: brokerConfig.defaultPartitions, brokerMetrics: broker.metricsExposition, logger: logger)
        } catch {
            try? await broker.shutdown()
            throw error
        }
        // The broker stops last, once nothing in this process uses it: every client above is gone with `serve`.
        try await broker.shutdown()
        logger.info("stopped cleanly")
    }

    /// Runs the console and the roles until SIGINT or SIGTERM.
    private func serve(bootstrap: String, consoleAddress: (host: String, port: Int), storePath: String, data: URL,
                       topicPartitions: Int32, brokerMetrics: @escaping MetricsRenderer, logger: Logger) async throws {
        let roles = try await demo
            ? demoRoles(bootstrap: bootstrap, data: data, storePath: storePath)
            : configuredRoles(bootstrap: bootstrap, data: data, storePath: storePath, topicPartitions: topicPartitions)
        let console = try ConsoleServer(
            configuration: ConsoleConfiguration(
                bootstrapServers: bootstrap, clientProperties: [:], host: consoleAddress.host, port: consoleAddress.port,
                sampleInterval: .seconds(2), lagWindow: 10, requestTimeout: .seconds(10), storePath: storePath),
            logger: Logger(label: "logport.console"), otherMetrics: [brokerMetrics])

        // ServiceGroup stops services in reverse order, each after the one behind it has finished: the demo
        // writer, then the agent (drains), the processors (checkpoint), the console.
        let services: [any Service] = [ConsoleService(console: console) { port in
            Self.announce("console  http://\(consoleAddress.host):\(port)  (pipelines at /pipelines)")
        }] + roles.processors + (roles.agent.map { [$0] } ?? []) + (roles.demo.map { [$0] } ?? [])
        Self.announce("kafka    \(bootstrap)  (data in \(dataDir))")
        for line in roles.announcements { Self.announce(line) }
        Self.announce("store    \(storePath)")

        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    private func demoRoles(bootstrap: String, data: URL, storePath: String) async throws -> UpRoles {
        let logPath = data.appendingPathComponent("demo/access.log").path
        let windowMillis = DurationText.millis(demoWindow) ?? 60_000
        let environment = [
            "LOG_PATH": logPath, "AGENT_DATA_DIR": data.appendingPathComponent("agent").path, "KAFKA_BOOTSTRAP": bootstrap,
            "TOPIC": DemoPipeline.topic, "GROUP": DemoPipeline.group, "WINDOW": demoWindow,
            "LATENESS": demoWindow, "STORE": storePath,
        ]
        try await Self.createTopic(DemoPipeline.topic, partitions: 3, bootstrap: bootstrap)
        let agentConfig = try AgentConfig.parse(yaml: DemoPipeline.agentYAML, file: "<demo agent>", environment: environment)
        let definition = try PipelineConfigLoader.load(yaml: DemoPipeline.pipelineYAML, file: "<demo pipeline>", environment: environment)
        return UpRoles(
            demo: DemoAccessLog(path: logPath, windowMillis: windowMillis, logger: Logger(label: "logport.demo")),
            agent: try AgentService(config: agentConfig, logger: Logger(label: "logport.agent")),
            processors: [processor(definition, bootstrap: bootstrap, data: data, checkpointMillis: min(5000, windowMillis))],
            announcements: [
                "demo     web service writing \(logPath)",
                "agent    tails \(logPath) → topic \(DemoPipeline.topic)",
                "process  pipeline \(definition.name), group \(DemoPipeline.group), \(demoWindow) windows",
            ])
    }

    /// The roles up.yaml names. The topics the pipelines read are created first (with the broker's
    /// num.partitions) when missing: a consumer group subscribed to a topic that does not exist yet would
    /// only notice it at its next metadata refresh, minutes later.
    private func configuredRoles(bootstrap: String, data: URL, storePath: String, topicPartitions: Int32) async throws -> UpRoles {
        guard let config else { return UpRoles(announcements: ["agent    none (give --config up.yaml or --demo)"]) }
        let file = try UpConfigFile.load(path: config)
        var environment = ProcessInfo.processInfo.environment
        environment["KAFKA_BOOTSTRAP"] = bootstrap
        environment["LOGPORT_DATA"] = data.path
        environment["LOGPORT_STORE"] = storePath
        environment["AGENT_DATA_DIR"] = environment["AGENT_DATA_DIR"] ?? data.appendingPathComponent("agent").path
        var roles = UpRoles()
        if let agentPath = file.agentPath {
            let agentConfig = try AgentConfig.load(path: agentPath, environment: environment)
            roles.agent = try AgentService(config: agentConfig, logger: Logger(label: "logport.agent"))
            let files = agentConfig.sources.compactMap { source -> String? in
                guard case .file(let settings) = source.settings else { return nil }
                return settings.tailer.discovery.include.joined(separator: ", ")
            }
            roles.announcements.append("agent    \(agentPath): tails \(files.isEmpty ? "no files" : files.joined(separator: ", "))")
        }
        for path in file.pipelinePaths {
            let definition = try PipelineConfigLoader.load(path: path, environment: environment)
            for topic in definition.source.topics where !topic.hasPrefix("^") {  // "^…" subscribes to a pattern
                try await Self.createTopic(topic, partitions: topicPartitions, bootstrap: bootstrap)
            }
            roles.processors.append(processor(definition, bootstrap: bootstrap, data: data, checkpointMillis: 10_000))
            roles.announcements.append("process  pipeline \(definition.name) from \(path), group \(definition.source.groupID)")
        }
        return roles
    }

    private func processor(_ definition: PipelineDefinition, bootstrap: String, data: URL, checkpointMillis: Int64) -> ProcessorService {
        ProcessorService(
            definition: definition,
            settings: ProcessorSettings(kafka: KafkaConfig(bootstrapServers: bootstrap, definition.kafka.properties),
                                        checkpointIntervalMillis: checkpointMillis),
            logger: Logger(label: "logport.process.\(definition.name)"))
    }

    private static func createTopic(_ topic: String, partitions: Int32, bootstrap: String) async throws {
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: bootstrap))
        do {
            try await admin.createTopic(NewTopic(name: topic, partitions: partitions, replicationFactor: 1))
        } catch let error as KafkaError where error.code == .topicAlreadyExists {
            // A restart with the same --data-dir: the agent appends to the topic it made before.
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }

    private static func announce(_ line: String) {
        FileHandle.standardOutput.write(Data("logport up: \(line)\n".utf8))
    }
}

/// What `logport up` runs beside the broker and the console.
private struct UpRoles {
    var demo: DemoAccessLog?
    var agent: AgentService?
    var processors: [ProcessorService] = []
    var announcements: [String] = []
}

/// The console as a service of `logport up`: its cluster client closes before the broker stops.
private struct ConsoleService: Service {
    let console: ConsoleServer
    let onServerRunning: @Sendable (Int) async -> Void

    func run() async throws {
        try await console.makeApplication(onServerRunning: onServerRunning).run()
        await console.shutdown()
    }
}
