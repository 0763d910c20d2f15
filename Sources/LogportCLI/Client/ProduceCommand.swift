import ArgumentParser
import Foundation
import KafkaClient

/// `logport produce TOPIC`: one record per input line.
struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Produce one record per line of stdin (or --file) to a topic.",
        discussion: "With --key-separator, the text before the first separator is the record key."
    )

    @OptionGroup var client: ClientOptions
    @Argument(help: "Topic to produce to; it must exist.") var topic: String
    @Option(help: "Read lines from this file instead of stdin.") var file: String?
    @Option(help: "Split each line into KEY<separator>VALUE at the first separator.") var keySeparator: String?
    @Option(name: .customLong("header"), help: "Header KEY=VALUE added to every record (repeatable).") var headers: [KeyValue] = []
    @Option(help: "Partition to write to (default: by key hash, or sticky for keyless records).") var partition: Int32?
    @Option(help: "Compression: none, gzip, snappy, lz4, zstd.") var compression: KafkaCompression?
    @Option(help: "Acknowledgements: 0, 1, all (-1).") var acks: KafkaAcks?
    @Option(help: "Milliseconds to wait to fill a batch (linger.ms).") var lingerMs: Int?

    func validate() throws {
        if keySeparator?.isEmpty == true { throw ValidationError("--key-separator must not be empty") }
    }

    func run() async throws {
        client.startLogging()
        _ = try await client.makeAdmin().describeTopic(topic, timeout: client.timeoutDuration)
        var config = client.config()
        config.compression = compression
        config.acks = acks
        config.linger = lingerMs.map { .milliseconds($0) }
        config.messageTimeout = client.timeoutDuration
        let producer = try KafkaProducer(config: config)
        try await producer.loadMetadata(topic: topic, timeout: client.timeoutDuration)
        let outcome = DeliveryTally()
        let recordHeaders = headers.map { KafkaHeader(key: $0.key, value: $0.value) }
        let separator = keySeparator.map { Array($0.utf8) }
        let reader = try LineReader(path: file)
        var lineNumber = 0
        var progress = ProgressReporter()
        while let line = try await reader.next() {
            lineNumber += 1
            var key: [UInt8]?
            var value = line
            if let separator {
                guard let range = line.firstRange(of: separator) else {
                    throw CommandFailure("line \(lineNumber) has no key separator \(keySeparator.debugDescription)")
                }
                key = Array(line[..<range.lowerBound])
                value = Array(line[range.upperBound...])
            }
            let message = ProducerMessage(topic: topic, key: key, value: value, headers: recordHeaders, partition: partition)
            try await producer.enqueue(message, onDelivery: outcome.record)
            progress.tick("\(lineNumber) records read, \(outcome.delivered) delivered…")
        }
        try? await producer.flush(timeout: client.timeoutDuration + .seconds(5))
        await producer.close(flushTimeout: .zero)
        if let failure = outcome.firstFailure {
            throw CommandFailure("\(outcome.failed) of \(lineNumber) records were not delivered; first error: \(failure)")
        }
        Console.err("Produced \(outcome.delivered) records to \(topic).")
    }
}
