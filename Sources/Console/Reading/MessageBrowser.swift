import KafkaClient
import Logging

/// Where a page of records starts.
enum BrowsePosition: Sendable, Hashable {
    /// This offset, clamped to the partition's earliest and latest offsets.
    case offset(Int64)
    /// The first record at or after this time (milliseconds since the epoch).
    case timestamp(Int64)
    /// The newest `limit` records.
    case newest
}

/// Reads a page of records from one partition with a short-lived consumer that joins no group, so
/// browsing never moves anyone's offsets. Reads at most `limit` records and never past the latest
/// offset seen at the start; gives up waiting after `readTimeout` (a compacted log can end in a gap)
/// and returns what it has.
struct MessageBrowser: Sendable {
    let clientConfig: KafkaConfig
    let reads: KafkaReads
    var readTimeout: Duration = .seconds(3)
    let logger: Logger

    static let maximumLimit = 500

    func page(topic: String, partition: Int32, from position: BrowsePosition, limit: Int) async throws -> MessagePage {
        guard (1...Self.maximumLimit).contains(limit) else {
            throw ConsoleError.badRequest("limit must be between 1 and \(Self.maximumLimit), not \(limit)")
        }
        let description = try await reads.topic(topic)
        guard description.partitions.contains(where: { $0.partition == partition }) else {
            throw ConsoleError.notFound("topic '\(topic)' has no partition \(partition) (it has \(description.partitions.count))")
        }
        let key = TopicPartition(topic: topic, partition: partition)
        let marks = try await reads.admin.watermarkOffsets(key, timeout: reads.timeout)
        let start: Int64
        switch position {
        case .offset(let offset):
            start = min(max(offset, marks.low), marks.high)
        case .timestamp(let milliseconds):
            let found = try await reads.admin.offsets(forTimes: [key: KafkaTimestamp(milliseconds: milliseconds)], timeout: reads.timeout)
            start = min(max((found[key] ?? nil) ?? marks.high, marks.low), marks.high)
        case .newest:
            start = max(marks.low, marks.high - Int64(limit))
        }
        let wanted = Int(min(Int64(limit), marks.high - start))
        let records = wanted > 0 ? try await read(key, from: start, count: wanted, before: marks.high) : []
        return MessagePage(
            topic: topic, partition: partition, earliestOffset: marks.low, latestOffset: marks.high, startOffset: start,
            nextOffset: records.last.map { $0.offset + 1 } ?? start,
            messages: records.map(BrowsedMessage.init))
    }

    private func read(_ partition: TopicPartition, from start: Int64, count: Int, before end: Int64) async throws -> [ConsumedMessage] {
        var config = clientConfig
        config.groupID = nil
        let consumer = try KafkaConsumer(config: config, bufferCapacity: count, logger: logger)
        do {
            try await consumer.assign([partition: KafkaOffset(start)])
            let records = try await collect(from: consumer, count: count, before: end)
            try? await consumer.close()
            return records
        } catch {
            try? await consumer.close()
            throw error
        }
    }

    /// Reads until `count` records or the one before `end`; at `readTimeout` closes the consumer,
    /// which ends its records, so what arrived by then is returned.
    private func collect(from consumer: KafkaConsumer, count: Int, before end: Int64) async throws -> [ConsumedMessage] {
        let timeout = readTimeout
        return try await withThrowingTaskGroup(of: [ConsumedMessage]?.self) { group in
            group.addTask {
                var received: [ConsumedMessage] = []
                for try await message in consumer.messages {
                    received.append(message)
                    if received.count == count || message.offset >= end - 1 { break }
                }
                return received
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                try? await consumer.close()
                return nil
            }
            while let result = try await group.next() {
                if let records = result {
                    group.cancelAll()
                    return records
                }
            }
            return []
        }
    }
}

extension BrowsedMessage {
    init(_ message: ConsumedMessage) {
        self.init(
            offset: message.offset, timestamp: message.timestamp?.milliseconds, timestampType: message.timestampType?.rawValue,
            key: message.key.map(Payload.init), value: message.value.map(Payload.init),
            headers: message.headers.map { BrowsedHeader(key: $0.key, value: $0.value.map(Payload.init)) })
    }
}
