import Foundation
import KafkaClient
import Logging
import NIOCore
import StreamProcessing

/// A consumer-group member as the pipeline runner's record source.
///
/// Guarantees:
/// - `poll()` returns the records that arrived, waiting at most `pollWait` for the first one, without
///   blocking a thread: a task moves records from the consumer into a bounded inbox, so a slow pipeline
///   slows fetching instead of growing memory;
/// - `assignedPartitions()` is the consumer's assignment as read by the last `poll()`, and a poll returns
///   only records of those partitions. librdkafka applies an assignment before it fetches for it, so a
///   record never arrives ahead of its partition's assignment, and the records of a partition revoked
///   meanwhile are left to its next owner (the runner seeks a partition that comes back, so nothing is
///   skipped);
/// - with a consumer that holds revocations (see `revocationTimeout`), a partition the group takes away
///   stays this member's until the runner called `completeRevocations()`, and from
///   `revocationsAwaitingCheckpoint()` on its records are no longer returned, so the runner's checkpoint
///   covers exactly what it processed of the partition and its next owner resumes there;
/// - `seek(to:)` moves assigned partitions, and no record of a partition fetched before its seek is
///   returned after it: the inbox drops them, and one the moving task held during the seek is recognized
///   by its read generation (`ConsumedMessage.readGeneration`) and dropped too;
/// - records without a Kafka timestamp get the time they were received.
/// Offsets are never committed automatically: `KafkaCheckpointStore` commits what a checkpoint covers.
public actor KafkaRecordSource: RecordSource {
    /// A record as the moving task took it from the consumer.
    struct Fetched: Sendable {
        var record: SourceRecord
        var readGeneration: UInt64
    }

    private let consumer: KafkaConsumer
    private let inbox: BoundedInbox<Fetched>
    private let pollWait: Duration
    private let maxPollRecords: Int
    private let logger: Logger
    private var assigned: Set<StreamProcessing.TopicPartition> = []
    /// Revocations the consumer holds until the runner has checkpointed the partitions.
    private var heldRevocations: [PartitionRevocation] = []
    /// Partitions handed back to the group and not assigned again since: their records are no longer returned.
    private var surrendered: Set<StreamProcessing.TopicPartition> = []
    /// Per partition, the read generation of its last seek: records taken earlier are stale.
    private var seekGenerations: [StreamProcessing.TopicPartition: UInt64] = [:]
    private var pumps: [Task<Void, Never>] = []

    /// The consumer must be in a group (`group.id`) with `enable.auto.commit=false`; see `consumerConfig`.
    public init(consumer: KafkaConsumer, pollWait: Duration = .milliseconds(100), maxPollRecords: Int = 5000,
                inboxCapacity: Int = 20_000, logger: Logger) {
        self.consumer = consumer
        self.inbox = BoundedInbox(capacity: inboxCapacity)
        self.pollWait = pollWait
        self.maxPollRecords = max(1, maxPollRecords)
        self.logger = logger
    }

    /// The librdkafka settings the source relies on, over `base` (bootstrap servers, `-X` properties).
    public static func consumerConfig(base: KafkaConfig, groupID: String, clientID: String) -> KafkaConfig {
        var config = base
        config.groupID = groupID
        config.clientID = config.clientID ?? clientID
        config.enableAutoCommit = false
        if config.autoOffsetReset == nil { config.autoOffsetReset = .earliest }
        return config
    }

    /// How long a revocation waits for the runner's checkpoint: a minute, long enough for a flush that
    /// retries, but at most half of `max.poll.interval.ms`, past which librdkafka would leave the group.
    public static func revocationTimeout(for config: KafkaConfig) -> Duration {
        let maxPollInterval = config["max.poll.interval.ms"].flatMap(Int64.init) ?? 300_000
        return min(.seconds(60), .milliseconds(max(2, maxPollInterval) / 2))
    }

    /// Joins the group for `topics` and starts moving records and rebalance events.
    public func start(subscribingTo topics: [String]) throws {
        let (consumer, inbox, logger) = (consumer, inbox, logger)
        pumps.append(Task {
            do {
                for try await message in consumer.messages {
                    await inbox.put(Fetched(record: Self.record(from: message), readGeneration: message.readGeneration))
                }
                inbox.finish()
            } catch {
                logger.error("the Kafka consumer failed", metadata: ["error": "\(error)"])
                inbox.finish(error)
            }
        })
        pumps.append(Task { [weak self] in
            for await event in consumer.events {
                Self.log(event, logger: logger)
                await self?.follow(event)
            }
        })
        try consumer.subscribe(topics: topics)
    }

    public func poll() async throws -> [SourceRecord] {
        let fetched = try await inbox.take(limit: maxPollRecords, waitingUpTo: pollWait)
        let current = Set(try await consumer.assignment().map(StreamProcessing.TopicPartition.init))
        // A surrendered partition the consumer no longer holds is gone for good; if the group gives it back,
        // the assignment event (or its absence seen here first) makes it readable again.
        surrendered.formIntersection(current)
        let lost = assigned.subtracting(current.subtracting(surrendered))
        assigned = current.subtracting(surrendered)
        if !lost.isEmpty { inbox.discard { lost.contains($0.record.topicPartition) } }
        return fetched.compactMap { item in
            let partition = item.record.topicPartition
            guard assigned.contains(partition), item.readGeneration >= seekGenerations[partition] ?? 0 else { return nil }
            return item.record
        }
    }

    public func revocationsAwaitingCheckpoint() async -> [StreamProcessing.TopicPartition] {
        let partitions = heldRevocations.flatMap(\.partitions).map(StreamProcessing.TopicPartition.init)
        guard !partitions.isEmpty else { return [] }
        surrendered.formUnion(partitions)
        assigned.subtract(partitions)
        let revoked = Set(partitions)
        inbox.discard { revoked.contains($0.record.topicPartition) }
        return partitions.sorted()
    }

    public func completeRevocations() async {
        for revocation in heldRevocations { revocation.finish() }
        heldRevocations = []
    }

    private func follow(_ event: KafkaConsumerEvent) {
        switch event {
        case .partitionsRevoking(let revocation):
            heldRevocations.append(revocation)
        case .partitionsAssigned(let partitions):
            surrendered.subtract(partitions.map(StreamProcessing.TopicPartition.init))
        case .partitionsRevoked, .partitionEOF, .error:
            break
        }
    }

    public func assignedPartitions() async -> [StreamProcessing.TopicPartition] {
        assigned.sorted()
    }

    public func seek(to nextOffsets: [StreamProcessing.TopicPartition: Int64]) async throws {
        for (partition, offset) in nextOffsets.sorted(by: { $0.key < $1.key }) {
            let generation = try await consumer.seek(partition.kafka, to: KafkaOffset(offset))
            seekGenerations[partition] = generation
            // Only what was taken before the seek: the moving task may already have put newer records.
            inbox.discard { $0.record.topicPartition == partition && $0.readGeneration < generation }
        }
    }

    /// Leaves the group and stops the tasks; `poll()` then returns nothing.
    public func close() async throws {
        await completeRevocations()
        try await consumer.close()
        // A moving task waiting for room in a full inbox would wait forever: nobody polls any more.
        inbox.finish()
        for pump in pumps { await pump.value }
        pumps = []
    }

    private static func log(_ event: KafkaConsumerEvent, logger: Logger) {
        switch event {
        case .partitionsRevoked(let partitions, lost: true):
            logger.warning("partitions lost: this member was fenced out of the group", metadata: ["partitions": "\(partitions)"])
        case .error(let error):
            logger.warning("Kafka consumer error", metadata: ["error": "\(error)"])
        case .partitionsAssigned, .partitionsRevoked, .partitionsRevoking, .partitionEOF:
            break
        }
    }

    static func record(from message: ConsumedMessage) -> SourceRecord {
        SourceRecord(
            topicPartition: StreamProcessing.TopicPartition(topic: message.topic, partition: message.partition),
            offset: message.offset,
            timestampMillis: message.timestamp?.milliseconds ?? KafkaTimestamp.now.milliseconds,
            key: message.key.map { ByteBuffer(bytes: $0) },
            value: message.value.map { ByteBuffer(bytes: $0) })
    }
}
