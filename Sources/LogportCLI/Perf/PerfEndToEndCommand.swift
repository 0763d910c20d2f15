import ArgumentParser
import KafkaClient

/// `logport perf e2e`: produce at a target rate while a consumer reads, and measure the time from
/// handing each record to the producer to receiving it in the consumer.
struct PerfEndToEndCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e", abstract: "Produce→consume latency at a target rate (default 10000 records at 1000/s).")

    static let sentAtHeader = "logport.perf.sent-ns"

    @OptionGroup var client: ClientOptions
    @OptionGroup var producer: PerfProducerOptions
    @Argument(help: "Topic to use; it must exist.") var topic: String
    @Option(help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        client.startLogging()
        let admin = try client.makeAdmin()
        // Start exactly at today's end of every partition, so no older record is counted.
        let ends = try await admin.watermarkOffsets(topic: topic, timeout: client.timeoutDuration)
        let consumer = try KafkaConsumer(config: client.config(["fetch.wait.max.ms": "10"]), bufferCapacity: 10_000)
        try await consumer.assign(ends.mapValues { KafkaOffset($0.high) })
        var config = client.config()
        producer.apply(to: &config)
        let kafkaProducer = try KafkaProducer(config: config)
        try await kafkaProducer.loadMetadata(topic: topic, timeout: client.timeoutDuration)
        let records = producer.records ?? 10_000
        let payloads = producer.payloads(count: records)
        let endToEnd = LatencyRecorder()
        let acknowledged = LatencyRecorder()
        let tally = DeliveryTally()
        let limiter = RateLimiter(recordsPerSecond: producer.throughput ?? 1000)
        let clock = ContinuousClock()
        let start = clock.now

        async let received = readRecords(from: consumer, limit: records, idleTimeout: client.timeoutDuration) { message in
            guard let header = message.headers.first(where: { $0.key == Self.sentAtHeader })?.value, header.count == 8 else { return }
            endToEnd.record(since: header.reduce(0) { $0 << 8 | UInt64($1) })
        }
        for index in 0..<records {
            try await limiter.waitForTurn(index)
            let sentAt = LatencyRecorder.now
            let stamp = (0..<8).reversed().map { UInt8(truncatingIfNeeded: sentAt >> (UInt64($0) * 8)) }
            let message = ProducerMessage(
                topic: topic, value: payloads[index % payloads.count], headers: [KafkaHeader(key: Self.sentAtHeader, value: stamp)])
            try await kafkaProducer.enqueue(message) { result in
                tally.record(result)
                if case .success = result { acknowledged.record(since: sentAt) }
            }
        }
        try await kafkaProducer.flush(timeout: .seconds(300))
        let read = try await received
        let elapsed = clock.now - start
        await kafkaProducer.close()
        try await consumer.close()
        if let failure = tally.firstFailure {
            throw CommandFailure("\(tally.failed) of \(records) records failed; first error: \(failure)")
        }
        try PerfResult(test: "e2e", records: read.records, bytes: read.bytes, elapsed: elapsed, latency: endToEnd.summary).print(output)
        if output == .table { Console.out("produce→ack " + acknowledged.summary.text) }
        if read.records < records {
            throw CommandFailure("only \(read.records) of \(records) records arrived; none for \(client.timeout) s")
        }
    }
}
