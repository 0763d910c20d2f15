import ArgumentParser
import Broker
import Foundation
import Logging
import MetricsEndpoint
import NIOConcurrencyHelpers

/// `logport broker`: a single-node Kafka-compatible broker.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run a Kafka-compatible broker that any Kafka client can use.",
        discussion: """
            Settings use Apache Kafka's broker property names (log.retention.ms, log.segment.bytes, \
            auto.create.topics.enable, …) in a flat YAML file given with --config; flags override the file.
            """
    )

    @Option(name: .long, help: "Directory for partition logs and broker metadata (log.dirs).")
    var dataDir: String?

    @Option(name: .long, help: "Address to serve the Kafka protocol on, HOST:PORT (listeners).")
    var listen: String?

    @Option(name: .long, help: "Address clients are told to connect to, HOST:PORT (advertised.listeners).")
    var advertise: String?

    @Option(name: .long, help: "YAML file of Kafka broker settings.")
    var config: String?

    @Option(name: .long, help: "Serve GET /metrics (Prometheus) and GET /health on HOST:PORT (metrics.listen); off by default.")
    var metricsListen: String?

    @Option(name: .long, help: "This broker's id (node.id).")
    var nodeId: Int32?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        LoggingSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "logport.broker")
        var settings = BrokerConfig()
        do {
            if let config { settings = try BrokerConfig.load(yamlFile: config) }
            if let dataDir { settings.dataDirectory = dataDir }
            if let listen { try settings.set("listeners", listen) }
            if let advertise { try settings.set("advertised.listeners", advertise) }
            if let nodeId { try settings.set("node.id", String(nodeId)) }
            if let metricsListen { try settings.set("metrics.listen", metricsListen) }
        } catch let error as BrokerConfigError {
            throw ValidationError(error.description)
        }
        // The endpoint starts first, so /health answers 503 while the logs are recovered.
        let role = RoleState(details: ["role": "broker"])
        let started = NIOLockedValueBox<BrokerServer?>(nil)
        var endpoint: RunningMetricsEndpoint?
        if let address = settings.metricsListen {
            endpoint = try await RoleMetricsEndpoint.start(
                role: "broker", host: address.host, port: address.port,
                renderers: [{ await started.withLockedValue { $0 }?.metricsExposition() ?? "" }], health: { role.health }, logger: logger)
        }
        let server: BrokerServer
        do {
            server = try await BrokerServer.start(config: settings, logger: logger)
        } catch {
            await endpoint?.stop()
            throw error
        }
        started.withLockedValue { $0 = server }
        role.set(.serving)
        logger.info("logport broker listening on \(settings.listenHost):\(server.port), data in \(settings.dataDirectory)")
        FileHandle.standardOutput.write(Data("logport broker listening on \(settings.listenHost):\(server.port)\n".utf8))
        try await SignalWaiter.waitForTermination()
        role.set(.stopping)
        logger.info("shutting down: closing connections and flushing logs")
        try await server.shutdown()
        await endpoint?.stop()
        logger.info("stopped cleanly")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
