import Hummingbird
import KafkaClient
import Logging
import MetricsEndpoint
import NIOCore

/// Settings of the console: which cluster, where to listen, how often to sample and how many
/// samples a lag verdict looks at.
public struct ConsoleConfiguration: Sendable {
    /// `bootstrap.servers` of any Kafka cluster.
    public var bootstrapServers: String
    /// Extra librdkafka properties for the console's clients (security settings, timeouts).
    public var clientProperties: [String: String]
    public var host: String
    /// 0 picks a free port; `onServerRunning` is told which.
    public var port: Int
    public var sampleInterval: Duration
    /// Samples per partition a lag verdict looks at (Burrow's default: 10).
    public var lagWindow: Int
    /// Samples kept for charts and rates, per partition and per group.
    public var historyLength: Int
    /// Bound on every request to the cluster.
    public var requestTimeout: Duration
    /// The processor's embedded store (SQLite), read-only, for the pipeline dashboards; nil: none.
    public var storePath: String?

    public init(
        bootstrapServers: String, clientProperties: [String: String] = [:], host: String = "127.0.0.1", port: Int = 8080,
        sampleInterval: Duration = .seconds(5), lagWindow: Int = 10, historyLength: Int = 120, requestTimeout: Duration = .seconds(10),
        storePath: String? = nil
    ) {
        self.storePath = storePath
        self.bootstrapServers = bootstrapServers
        self.clientProperties = clientProperties
        self.host = host
        self.port = port
        self.sampleInterval = sampleInterval
        self.lagWindow = lagWindow
        self.historyLength = historyLength
        self.requestTimeout = requestTimeout
    }
}

/// The operator console: an HTTP server of HTML pages and their JSON API over any Kafka cluster,
/// and the background sampler behind produce rates and lag verdicts. Serves everything from the
/// binary; loads nothing from elsewhere.
public final class ConsoleServer: Sendable {
    public let configuration: ConsoleConfiguration
    /// Samples every `sampleInterval` while the application runs; `sampleOnce()` samples on demand.
    public let sampler: LagSampler
    private let routes: ConsoleRoutes
    private let admin: KafkaAdmin
    private let logger: Logger

    /// `logger` is the console's own; `clientLogger` gets librdkafka's messages, which an operator
    /// usually wants quieter. `otherMetrics` are appended to the console's `/metrics`, so one scrape
    /// covers every role of a `logport up` process.
    public init(
        configuration: ConsoleConfiguration, logger: Logger = Logger(label: "logport.console"),
        clientLogger: Logger = Logger(label: "logport.console.kafka"), otherMetrics: [MetricsRenderer] = []
    ) throws {
        var clientConfig = KafkaConfig(bootstrapServers: configuration.bootstrapServers, configuration.clientProperties)
        if clientConfig.clientID == nil { clientConfig.clientID = "logport-console" }
        let admin = try KafkaAdmin(config: clientConfig, logger: clientLogger)
        let reads = KafkaReads(admin: admin, timeout: configuration.requestTimeout)
        let store = SampleStore(windowSize: configuration.lagWindow, historyLength: configuration.historyLength)
        let metrics = ConsoleMetrics()
        self.configuration = configuration
        self.admin = admin
        self.logger = logger
        sampler = LagSampler(reads: reads, store: store, interval: configuration.sampleInterval, metrics: metrics, logger: logger)
        routes = ConsoleRoutes(
            reader: ClusterReader(reads: reads, store: store, bootstrap: configuration.bootstrapServers, samplingInterval: configuration.sampleInterval),
            browser: MessageBrowser(clientConfig: clientConfig, reads: reads, logger: clientLogger),
            metrics: metrics, otherMetrics: otherMetrics,
            pipelines: PipelineReader(storePath: configuration.storePath, windowsShown: 60),
            refreshSeconds: max(5, Int(configuration.sampleInterval.components.seconds)))
    }

    /// The routes alone, without the sampler: for tests that drive sampling themselves.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        routes.register(on: router)
        return router
    }

    /// The HTTP server with the sampler as a service of it; `onServerRunning` gets the bound port.
    /// Run it alone (`runService()`) or in a ServiceGroup beside other roles, then call `shutdown()`.
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "logport-console"),
            services: [sampler],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Serves until SIGINT or SIGTERM, then stops the sampler and the cluster client.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(onServerRunning: onServerRunning).runService()
        await shutdown()
    }

    /// Stops the cluster client; the console must not serve afterwards.
    public func shutdown() async {
        await admin.close()
    }
}
