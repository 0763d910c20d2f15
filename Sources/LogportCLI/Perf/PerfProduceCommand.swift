import ArgumentParser
import KafkaClient

/// `logport perf produce`: Kafka's producer perf test — send N records as fast as allowed and report
/// throughput and send→acknowledgement latency.
struct PerfProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "produce", abstract: "Producer throughput and acknowledgement latency.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var producer: PerfProducerOptions
    @Argument(help: "Topic to write to; it must exist.") var topic: String
    @Option(help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        client.startLogging()
        _ = try await client.makeAdmin().describeTopic(topic, timeout: client.timeoutDuration)
        var config = client.config()
        producer.apply(to: &config)
        let kafkaProducer = try KafkaProducer(config: config)
        try await kafkaProducer.loadMetadata(topic: topic, timeout: client.timeoutDuration)
        let records = producer.records ?? 100_000
        let payloads = producer.payloads(count: records)
        let latency = LatencyRecorder()
        let tally = DeliveryTally()
        let limiter = RateLimiter(recordsPerSecond: producer.throughput)
        var progress = ProgressReporter(every: .seconds(5))
        let clock = ContinuousClock()
        let start = clock.now
        for index in 0..<records {
            try await limiter.waitForTurn(index)
            let sentAt = LatencyRecorder.now
            try await kafkaProducer.enqueue(ProducerMessage(topic: topic, value: payloads[index % payloads.count])) { result in
                tally.record(result)
                if case .success = result { latency.record(since: sentAt) }
            }
            progress.tick("\(index + 1) records sent, \(tally.delivered) acknowledged, \(latency.summary.text)")
        }
        try await kafkaProducer.flush(timeout: .seconds(300))
        let elapsed = clock.now - start
        await kafkaProducer.close()
        if let failure = tally.firstFailure {
            throw CommandFailure("\(tally.failed) of \(records) records failed; first error: \(failure)")
        }
        try PerfResult(test: "produce", records: records, bytes: records * producer.recordSize, elapsed: elapsed, latency: latency.summary)
            .print(output)
    }
}
