import ArgumentParser
import Foundation
import KafkaClient

/// `logport consume TOPIC`: print records as they arrive.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print records of a topic as they arrive.",
        discussion: """
            Without --group, partitions are read directly (no group, nothing committed), from the end \
            unless --from-beginning, --offset or --from-timestamp says otherwise. With --group, the group \
            assigns partitions and commits what was printed; --from-beginning then applies only to \
            partitions the group never committed.
            """
    )

    enum RecordFormat: String, ExpressibleByArgument, CaseIterable {
        case raw, json
    }

    @OptionGroup var client: ClientOptions
    @Argument(help: "Topic to read.") var topic: String
    @Flag(help: "Start at the oldest record.") var fromBeginning = false
    @Option(help: "Start at this offset (in every partition read; see --partition).") var offset: Int64?
    @Option(help: "Start at the first record at or after this time (ms since the epoch).") var fromTimestamp: Int64?
    @Option(help: "Read only this partition.") var partition: Int32?
    @Option(help: "Consume as this consumer group and commit progress.") var group: String?
    @Option(help: "Exit after this many records.") var maxMessages: Int?
    @Option(help: "raw: the value per line; json: one object per record with topic, partition, offset, timestamp, key, value, headers.")
    var output: RecordFormat = .raw
    @Flag(help: "raw output: print KEY<tab>VALUE.") var printKey = false

    func validate() throws {
        if [fromBeginning, offset != nil, fromTimestamp != nil].filter({ $0 }).count > 1 {
            throw ValidationError("give at most one of --from-beginning, --offset and --from-timestamp")
        }
        if group != nil, offset != nil || fromTimestamp != nil || partition != nil {
            throw ValidationError("--offset, --from-timestamp and --partition read without a group; to move a group use `logport groups reset-offsets`")
        }
        if let maxMessages, maxMessages <= 0 { throw ValidationError("--max-messages must be positive") }
    }

    func run() async throws {
        client.startLogging()
        let admin = try client.makeAdmin()
        let description = try await admin.describeTopic(topic, timeout: client.timeoutDuration)
        if let partition, !description.partitions.contains(where: { $0.partition == partition }) {
            throw CommandFailure("topic \(topic) has no partition \(partition) (it has \(description.partitions.count))")
        }
        var config = client.config()
        if let group {
            config.groupID = group
            config.autoOffsetReset = fromBeginning ? .earliest : .latest
        }
        let consumer = try KafkaConsumer(config: config)
        if group != nil {
            try consumer.subscribe(topics: [topic])
        } else {
            let partitions = description.partitions.map(\.partition).filter { partition == nil || $0 == partition }
            try await consumer.assign(try await startPositions(partitions.map { TopicPartition(topic: topic, partition: $0) }, admin: admin))
        }
        let printed = try await printUntilDone(consumer)
        try await consumer.close()
        if printed > 0, output == .raw { Console.err("Consumed \(printed) records.") }
    }

    private func startPositions(_ partitions: [TopicPartition], admin: KafkaAdmin) async throws -> [TopicPartition: KafkaOffset] {
        if let fromTimestamp {
            let found = try await admin.offsets(
                forTimes: Dictionary(uniqueKeysWithValues: partitions.map { ($0, KafkaTimestamp(milliseconds: fromTimestamp)) }),
                timeout: client.timeoutDuration)
            return Dictionary(uniqueKeysWithValues: partitions.map { partition in
                (partition, (found[partition] ?? nil).map(KafkaOffset.init) ?? .end)
            })
        }
        let start: KafkaOffset = offset.map(KafkaOffset.init) ?? (fromBeginning ? .beginning : .end)
        return Dictionary(uniqueKeysWithValues: partitions.map { ($0, start) })
    }

    /// Prints records until --max-messages, or until SIGINT/SIGTERM; returns how many were printed.
    private func printUntilDone(_ consumer: KafkaConsumer) async throws -> Int {
        try await withThrowingTaskGroup(of: Int?.self) { tasks in
            tasks.addTask {
                var printed = 0
                for try await message in consumer.messages {
                    try print(message)
                    printed += 1
                    if printed == maxMessages { break }
                }
                return printed
            }
            tasks.addTask {
                try await SignalWaiter.waitForTermination()
                return nil
            }
            defer { tasks.cancelAll() }
            while let finished = try await tasks.next() {
                if let printed = finished { return printed }
                tasks.cancelAll()
            }
            return 0
        }
    }

    private func print(_ message: ConsumedMessage) throws {
        switch output {
        case .json:
            try Console.json(RecordJSON(message))
        case .raw:
            let value = message.value.map { String(decoding: $0, as: UTF8.self) } ?? ""
            if printKey {
                Console.out((message.key.map { String(decoding: $0, as: UTF8.self) } ?? "") + "\t" + value)
            } else {
                Console.out(value)
            }
        }
    }
}
