import ArgumentParser
import KafkaClient
import Logging

/// Options every client subcommand takes: where the cluster is, how long to wait, extra librdkafka
/// properties, and how chatty librdkafka may be.
struct ClientOptions: ParsableArguments {
    @Option(name: [.customShort("b"), .customLong("bootstrap-server")], help: "Cluster address, HOST:PORT[,HOST:PORT…].")
    var bootstrapServer = "127.0.0.1:9092"

    @Option(help: "Seconds to wait for the cluster before failing.")
    var timeout: Double = 10

    @Option(name: [.customShort("X"), .customLong("property")], help: "Extra librdkafka property KEY=VALUE (repeatable).")
    var properties: [KeyValue] = []

    @Option(help: "Log level for librdkafka's own messages (trace … critical); errors are reported either way.")
    var logLevel: Logger.Level = .critical

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    var timeoutDuration: Duration { .milliseconds(Int64(timeout * 1000)) }

    /// The client configuration: bootstrap address, request timeouts bounded by --timeout, then -X.
    func config(_ defaults: [String: String] = [:]) -> KafkaConfig {
        var config = KafkaConfig(bootstrapServers: bootstrapServer, defaults)
        config.clientID = "logport-cli"
        config.socketTimeout = timeoutDuration
        for property in properties { config[property.key] = property.value }
        return config
    }

    func startLogging() {
        LoggingSetup.bootstrap(level: logLevel)
    }

    func makeAdmin() throws -> KafkaAdmin {
        try KafkaAdmin(config: config(), logger: Logger(label: "logport.cli.admin"))
    }
}

/// A KEY=VALUE argument (topic configs, headers, librdkafka properties).
struct KeyValue: ExpressibleByArgument, Hashable {
    let key: String
    let value: String

    init?(argument: String) {
        guard let separator = argument.firstIndex(of: "="), separator != argument.startIndex else { return nil }
        key = String(argument[..<separator])
        value = String(argument[argument.index(after: separator)...])
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

extension Array where Element == KeyValue {
    /// The pairs as a dictionary; a repeated key keeps its last value.
    var dictionary: [String: String] {
        Dictionary(map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}

extension KafkaAcks: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(kafkaSpelling: argument)
    }
}

extension KafkaCompression: ExpressibleByArgument {}
