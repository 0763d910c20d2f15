import ArgumentParser
import KafkaClient

/// `logport perf`: the equivalents of Kafka's producer/consumer perf tests and end-to-end latency tool.
struct PerfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perf",
        abstract: "Measure throughput and latency against a Kafka cluster with realistic log-line records.",
        subcommands: [PerfProduceCommand.self, PerfConsumeCommand.self, PerfEndToEndCommand.self]
    )
}

/// What the producing perf tests share: how many records, how big, how fast, and producer settings.
/// Counts and rates default per test (`produce`: 100000 as fast as possible; `e2e`: 10000 at 1000/s).
struct PerfProducerOptions: ParsableArguments {
    @Option(help: "Records to send (default: produce 100000, e2e 10000).") var records: Int?
    @Option(help: "Bytes per record value (a log line cut or extended to this size).") var recordSize = 200
    @Option(help: "Target records per second, -1 for unlimited (default: produce unlimited, e2e 1000).") var throughput: Double?
    @Option(help: "Acknowledgements: 0, 1, all (-1).") var acks: KafkaAcks?
    @Option(help: "linger.ms: how long to wait to fill a batch.") var lingerMs: Int?
    @Option(help: "Compression: none, gzip, snappy, lz4, zstd.") var compression: KafkaCompression?
    @Option(help: "batch.size in bytes.") var batchSize: Int?

    func validate() throws {
        if let records, records <= 0 { throw ValidationError("--records must be positive") }
        guard recordSize > 0 else { throw ValidationError("--record-size must be positive") }
    }

    func apply(to config: inout KafkaConfig) {
        if let acks { config.acks = acks }
        if let lingerMs { config.linger = .milliseconds(lingerMs) }
        if let compression { config.compression = compression }
        if let batchSize { config.batchSize = batchSize }
    }

    /// `count` distinct payloads to cycle through (at most 10000), generated before timing starts.
    func payloads(count: Int) -> [[UInt8]] {
        var generator = LogLineGenerator()
        return generator.lines(count: min(count, 10_000), size: recordSize)
    }
}

/// One perf run's outcome, printed as a line for people or an object for scripts.
struct PerfResult: Encodable {
    let test: String
    let records: Int
    let bytes: Int
    let seconds: Double
    let recordsPerSecond: Double
    let megabytesPerSecond: Double
    let latency: LatencySummary?

    init(test: String, records: Int, bytes: Int, elapsed: Duration, latency: LatencySummary?) {
        self.test = test
        self.records = records
        self.bytes = bytes
        seconds = elapsed.seconds
        recordsPerSecond = seconds > 0 ? Double(records) / seconds : 0
        megabytesPerSecond = seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0
        self.latency = latency
    }

    func print(_ style: OutputFormat) throws {
        switch style {
        case .json:
            try Console.json(self)
        case .table:
            var line = "\(test): \(records) records in \(decimalText(seconds, digits: 3)) s, "
                + "\(decimalText(recordsPerSecond, digits: 1)) records/s (\(decimalText(megabytesPerSecond)) MB/s)"
            if let latency { line += "; " + latency.text }
            Console.out(line)
        }
    }
}
