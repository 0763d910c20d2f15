import ArgumentParser
import Console
import Foundation
import Logging

/// `logport console`: the operator web console for any Kafka cluster.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Serve the operator web console (pages, JSON API, /metrics) for a Kafka cluster.",
        discussion: """
            Pages: / (cluster), /topics/NAME, /topics/NAME/messages, /groups, /groups/ID, and with --store /pipelines and \
            /pipelines/NAME (dashboards from a processor's embedded SQLite store); the same under /api as JSON. \
            Consumer group verdicts follow Burrow's rules over a window of samples taken every --sample-interval seconds.
            """
    )

    @OptionGroup var client: ClientOptions

    @Option(help: "Address to serve HTTP on, HOST:PORT (port 0 picks a free one).")
    var listen = "127.0.0.1:8080"

    @Option(help: "Seconds between samples of end offsets and committed offsets.")
    var sampleInterval: Double = 5

    @Option(help: "Samples a lag verdict looks at.")
    var lagWindow = 10

    @Option(help: "A processor's embedded store (the SQLite file of a pipeline's sqlite sink), read-only, for /pipelines.")
    var store: String?

    @Option(help: "Log level of the console itself.")
    var consoleLogLevel: Logger.Level = .info

    func validate() throws {
        _ = try address
        guard sampleInterval >= 0.1, sampleInterval.isFinite else { throw ValidationError("--sample-interval must be at least 0.1 seconds") }
        guard lagWindow >= 2 else { throw ValidationError("--lag-window must be at least 2 samples") }
    }

    private var address: (host: String, port: Int) {
        get throws {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port),
                colon != listen.startIndex
            else { throw ValidationError("--listen must be HOST:PORT, not '\(listen)'") }
            return (String(listen[..<colon]), port)
        }
    }

    func run() async throws {
        client.startLogging()
        var logger = Logger(label: "logport.console")
        logger.logLevel = consoleLogLevel
        let (host, port) = try address
        let console = try ConsoleServer(
            configuration: ConsoleConfiguration(
                bootstrapServers: client.bootstrapServer, clientProperties: client.properties.dictionary, host: host, port: port,
                sampleInterval: .milliseconds(Int64(sampleInterval * 1000)), lagWindow: lagWindow, requestTimeout: client.timeoutDuration,
                storePath: store),
            logger: logger)
        try await console.run { boundPort in
            FileHandle.standardOutput.write(Data("logport console listening on http://\(host):\(boundPort) for cluster \(client.bootstrapServer)\n".utf8))
        }
    }
}
