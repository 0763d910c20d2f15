import ArgumentParser
import Broker
import Console
import Foundation
import Logging
import ServiceLifecycle

/// `logport up`: the pipeline on one machine in one process — today the broker and the console;
/// the agent and the processor join as they are built.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run Logport on one machine: the Kafka-compatible broker and the web console, in one process.",
        discussion: """
            Everything lives under --data-dir. Kafka clients connect to --kafka-listen, the console is at \
            --console-listen. With --demo, a sample web service writes access logs to the topic demo-web-logs \
            and a consumer group (demo-readers) reads them, so the console shows live traffic and lag at once.
            """
    )

    @Option(help: "Directory for everything Logport keeps.")
    var dataDir = "./logport-data"

    @Option(help: "Address for Kafka clients, HOST:PORT.")
    var kafkaListen = "127.0.0.1:9092"

    @Option(help: "Address for the web console, HOST:PORT.")
    var consoleListen = "127.0.0.1:8080"

    @Flag(help: "Generate sample web traffic (topic demo-web-logs) and read it with a consumer group.")
    var demo = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        LoggingSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "logport.up")
        var brokerConfig = BrokerConfig()
        brokerConfig.dataDirectory = URL(fileURLWithPath: dataDir).appendingPathComponent("broker").path
        let consoleAddress: (host: String, port: Int)
        do {
            try brokerConfig.set("listeners", kafkaListen)
            consoleAddress = try BrokerConfig.parseAddress(consoleListen, key: "--console-listen")
        } catch let error as BrokerConfigError {
            throw ValidationError(error.description)
        }

        let broker = try await BrokerServer.start(config: brokerConfig, logger: Logger(label: "logport.broker"))
        let bootstrap = "\(brokerConfig.listenHost):\(broker.port)"
        let console = try ConsoleServer(
            configuration: ConsoleConfiguration(
                bootstrapServers: bootstrap, clientProperties: [:], host: consoleAddress.host, port: consoleAddress.port,
                sampleInterval: .seconds(2), lagWindow: 10, requestTimeout: .seconds(10)),
            logger: Logger(label: "logport.console"), otherMetrics: [broker.metricsExposition])

        var services: [any Service] = [
            ConsoleService(console: console) { port in
                Self.announce("console  http://\(consoleAddress.host):\(port)")
            },
        ]
        if demo { services.append(DemoTraffic(bootstrap: bootstrap, logger: Logger(label: "logport.demo"))) }
        Self.announce("kafka    \(bootstrap)  (data in \(dataDir))")
        if demo { Self.announce("demo     topic demo-web-logs, consumer group demo-readers") }

        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        // The broker stops last, once nothing in this process is using it.
        try await broker.shutdown()
        logger.info("stopped cleanly")
    }

    private static func announce(_ line: String) {
        FileHandle.standardOutput.write(Data("logport up: \(line)\n".utf8))
    }
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
