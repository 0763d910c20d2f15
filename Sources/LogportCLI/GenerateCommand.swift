import ArgumentParser
import Foundation
import KafkaClient
import NIOConcurrencyHelpers
import ProcessorRuntime
import StreamProcessing

/// `logport generate web|metrics|auth`: realistic, deterministic sample logs for the example pipelines.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Produce realistic sample logs (web access, host metrics, authentication) to a topic.",
        discussion: """
            The same options and --seed give the same records, timestamps included when --start is fixed, \
            so a test can compute the expected results of a pipeline from them. Each record's Kafka \
            timestamp is its event time.
            """,
        subcommands: [GenerateWebCommand.self, GenerateMetricsCommand.self, GenerateAuthCommand.self]
    )
}

/// What every generator takes: where to write, how many, how fast, from which seed and start time.
struct GenerateOptions: ParsableArguments {
    @OptionGroup var client: ClientOptions
    @Option(help: "Topic to write to; it must exist.") var topic: String
    @Option(help: "Records to produce (default: until SIGINT when --rate is given).") var count: Int?
    @Option(help: "Records per second of wall-clock time (default: as fast as possible).") var rate: Double?
    @Option(help: "Records per second of event time (default: --rate, so live data keeps up with the clock, else the kind's own pace).")
    var eventRate: Double?
    @Option(help: "Random seed: the same seed gives the same records.") var seed: UInt64 = 1
    @Option(help: "Event time of the first record: ISO 8601 (2026-11-25T10:00:00Z) or now.") var start = "now"

    func validate() throws {
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be positive") }
        if let eventRate, !(eventRate > 0) { throw ValidationError("--event-rate must be positive") }
        if count == nil, rate == nil { throw ValidationError("give --count, or --rate to produce until interrupted") }
        _ = try startMillis()
    }

    /// Event-time density for kinds that have one (web, auth): --event-rate, else --rate, else `nominal`.
    func eventsPerSecond(nominal: Double) -> Double {
        eventRate ?? rate ?? nominal
    }

    func startMillis() throws -> Int64 {
        if start == "now" { return KafkaTimestamp.now.milliseconds }
        guard let millis = CivilTime.parseMillis(start) else {
            throw ValidationError("--start must be ISO 8601 like 2026-11-25T10:00:00Z, or now; found \(start)")
        }
        return millis
    }

    /// Produces from `generator` until the count is reached or a signal arrives, then reports.
    func produce(_ generator: some SampleLogGenerator) async throws {
        client.startLogging()
        _ = try await client.makeAdmin().describeTopic(topic, timeout: client.timeoutDuration)
        var config = client.config()
        config.messageTimeout = client.timeoutDuration
        let producer = try KafkaProducer(config: config)
        try await producer.loadMetadata(topic: topic, timeout: client.timeoutDuration)
        let stop = NIOLockedValueBox(false)
        let signals = Task {
            try await SignalWaiter.waitForTermination()
            stop.withLockedValue { $0 = true }
        }
        defer { signals.cancel() }

        var generator = generator
        let outcome = DeliveryTally()
        let limiter = RateLimiter(recordsPerSecond: rate)
        var progress = ProgressReporter()
        var produced = 0
        var first: Int64?
        var last: Int64 = 0
        while produced < (count ?? .max), !stop.withLockedValue({ $0 }) {
            try await limiter.waitForTurn(produced)
            let record = generator.next()
            try await producer.enqueue(
                ProducerMessage(topic: topic, key: record.key, value: record.value, timestamp: KafkaTimestamp(milliseconds: record.timestampMillis)),
                onDelivery: outcome.record)
            produced += 1
            first = first ?? record.timestampMillis
            last = max(last, record.timestampMillis)
            progress.tick("\(produced) records generated, \(outcome.delivered) delivered…")
        }
        try? await producer.flush(timeout: client.timeoutDuration + .seconds(5))
        await producer.close(flushTimeout: .zero)
        if let failure = outcome.firstFailure {
            throw CommandFailure("\(outcome.failed) of \(produced) records were not delivered; first error: \(failure)")
        }
        let span = first.map { " with event times \(isoText($0)) … \(isoText(last))" } ?? ""
        Console.err("Generated \(produced) records to \(topic)\(span).")
    }

    private func isoText(_ millis: Int64) -> String {
        CivilTime.format(millis: millis).replacingOccurrences(of: " ", with: "T") + "Z"
    }
}

struct GenerateWebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web", abstract: "nginx-style JSON access events: users, sessions, pages, status codes, latencies.")

    @OptionGroup var options: GenerateOptions
    @Option(help: "Deliver every Nth record late (0: never).") var lateEvery = 0
    @Option(help: "How late, cycling through the list: e.g. 40s,15m.") var lateBy = "40s"

    func validate() throws {
        guard lateEvery >= 0 else { throw ValidationError("--late-every must not be negative") }
        _ = try lateByMillis()
    }

    private func lateByMillis() throws -> [Int64] {
        try lateBy.split(separator: ",").map { text in
            guard let millis = DurationText.millis(String(text)) else { throw ValidationError("--late-by: \(text) is not a duration like 40s or 15m") }
            return millis
        }
    }

    func run() async throws {
        try await options.produce(WebTrafficGenerator(
            seed: options.seed, startMillis: try options.startMillis(), eventsPerSecond: options.eventsPerSecond(nominal: 20),
            lateEvery: lateEvery, lateByMillis: try lateByMillis()))
    }
}

struct GenerateMetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Host metric lines (logfmt): CPU, memory, latency, error rate, requests, with an optional anomaly.",
        discussion: "Event time advances by --interval per round of hosts, whatever --rate is; --event-rate does not apply.")

    @OptionGroup var options: GenerateOptions
    @Option(help: "Number of hosts reporting.") var hosts = 8
    @Option(help: "Time between two reports of one host.") var interval = "10s"
    @Option(help: "Start of an injected anomaly: ISO 8601, or +DURATION after --start (e.g. +20m).") var anomalyAt: String?
    @Option(help: "How long the anomaly lasts.") var anomalyFor = "5m"
    @Option(help: "The host that misbehaves (default: the second one, api-01).") var anomalyHost: String?

    func validate() throws {
        guard hosts > 0, hosts <= 10_000 else { throw ValidationError("--hosts must be in 1...10000") }
        guard DurationText.millis(interval).map({ $0 > 0 }) == true else { throw ValidationError("--interval must be a duration like 10s") }
        guard DurationText.millis(anomalyFor) != nil else { throw ValidationError("--anomaly-for must be a duration like 5m") }
        if options.eventRate != nil { throw ValidationError("--event-rate does not apply to metrics: event time follows --interval") }
        if let anomalyHost, !HostMetricsGenerator.hostNames(count: hosts).contains(anomalyHost) {
            throw ValidationError("--anomaly-host \(anomalyHost) is not one of \(HostMetricsGenerator.hostNames(count: hosts).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let start = try options.startMillis()
        var anomaly: HostMetricsGenerator.Anomaly?
        if let anomalyAt {
            let offset = anomalyAt.hasPrefix("+") ? DurationText.millis(String(anomalyAt.dropFirst())).map { start + $0 } : nil
            guard let at = offset ?? CivilTime.parseMillis(anomalyAt) else {
                throw ValidationError("--anomaly-at must be ISO 8601 or +DURATION, found \(anomalyAt)")
            }
            let names = HostMetricsGenerator.hostNames(count: hosts)
            anomaly = .init(host: anomalyHost ?? names[min(1, names.count - 1)], startMillis: at, durationMillis: DurationText.millis(anomalyFor) ?? 0)
        }
        try await options.produce(HostMetricsGenerator(
            seed: options.seed, startMillis: start, hostCount: hosts, intervalMillis: DurationText.millis(interval) ?? 10_000, anomaly: anomaly))
    }
}

struct GenerateAuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth", abstract: "JSON login events with failed-login bursts and impossible travel.")

    @OptionGroup var options: GenerateOptions
    @Option(help: "Start a failed-login burst after every N ordinary events (0: never).") var burstEvery = 400
    @Option(help: "Start an impossible-travel pair after every N ordinary events (0: never).") var travelEvery = 300

    func validate() throws {
        guard burstEvery >= 0, travelEvery >= 0 else { throw ValidationError("--burst-every and --travel-every must not be negative") }
    }

    func run() async throws {
        try await options.produce(AuthLogGenerator(
            seed: options.seed, startMillis: try options.startMillis(), eventsPerSecond: options.eventsPerSecond(nominal: 5),
            burstEvery: burstEvery, travelEvery: travelEvery))
    }
}
