import ArgumentParser
import Broker
import Foundation
import Logging

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
        } catch let error as BrokerConfigError {
            throw ValidationError(error.description)
        }
        let server = try await BrokerServer.start(config: settings, logger: logger)
        logger.info("logport broker listening on \(settings.listenHost):\(server.port), data in \(settings.dataDirectory)")
        FileHandle.standardOutput.write(Data("logport broker listening on \(settings.listenHost):\(server.port)\n".utf8))
        try await SignalWaiter.waitForTermination()
        logger.info("shutting down: closing connections and flushing logs")
        try await server.shutdown()
        logger.info("stopped cleanly")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
