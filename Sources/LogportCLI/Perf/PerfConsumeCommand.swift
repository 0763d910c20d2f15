import ArgumentParser
import KafkaClient
import NIOConcurrencyHelpers

/// `logport perf consume`: Kafka's consumer perf test — read N records from the beginning and report
/// throughput.
struct PerfConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "consume", abstract: "Consumer throughput reading from the beginning.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "Topic to read.") var topic: String
    @Option(help: "Records to read.") var records = 100_000
    @Option(help: "Read as this consumer group instead of assigning partitions directly.") var group: String?
    @Option(help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        client.startLogging()
        let description = try await client.makeAdmin().describeTopic(topic, timeout: client.timeoutDuration)
        var config = client.config()
        if let group {
            config.groupID = group
            config.autoOffsetReset = .earliest
        }
        let consumer = try KafkaConsumer(config: config, bufferCapacity: 10_000)
        if group != nil {
            try consumer.subscribe(topics: [topic])
        } else {
            try await consumer.assign(Dictionary(uniqueKeysWithValues: description.partitions.map {
                (TopicPartition(topic: topic, partition: $0.partition), KafkaOffset.beginning)
            }))
        }
        let clock = ContinuousClock()
        let start = clock.now
        let read = try await readRecords(from: consumer, limit: records, idleTimeout: client.timeoutDuration) { _ in }
        let elapsed = clock.now - start
        try await consumer.close()
        try PerfResult(test: "consume", records: read.records, bytes: read.bytes, elapsed: elapsed, latency: nil).print(output)
        if read.records < records {
            throw CommandFailure("only \(read.records) of \(records) records arrived; none for \(client.timeout) s")
        }
    }
}

/// Reads until `limit` records or until none arrives for `idleTimeout`; calls `onRecord` for each.
/// Progress goes to stderr.
func readRecords(
    from consumer: KafkaConsumer, limit: Int, idleTimeout: Duration, onRecord: @escaping @Sendable (ConsumedMessage) -> Void
) async throws -> (records: Int, bytes: Int) {
    let counts = NIOLockedValueBox((records: 0, bytes: 0))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            var progress = ProgressReporter(every: .seconds(5))
            for try await message in consumer.messages {
                onRecord(message)
                let read = counts.withLockedValue { counts in
                    counts.records += 1
                    counts.bytes += (message.value?.count ?? 0) + (message.key?.count ?? 0)
                    return counts.records
                }
                progress.tick("\(read) records read…")
                if read == limit { return }
            }
        }
        tasks.addTask {
            var lastSeen = -1
            while true {
                try await Task.sleep(for: idleTimeout)
                let now = counts.withLockedValue { $0.records }
                if now == lastSeen { return }
                lastSeen = now
            }
        }
        _ = try await tasks.next()
        tasks.cancelAll()
    }
    return counts.withLockedValue { $0 }
}
