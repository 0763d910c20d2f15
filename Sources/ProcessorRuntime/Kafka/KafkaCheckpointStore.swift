import Foundation
import KafkaClient
import Logging
import StreamProcessing

/// Partition checkpoints kept with a consumer group's committed offsets, so whichever member of the group
/// the partition goes to next (or this one, restarted) resumes it.
///
/// - `.commitMetadata`: the state is the commit's metadata text, beside the offset it belongs to, saved
///   and read atomically with it. For the source stage's restore points: tens of bytes, far below the
///   4 KiB brokers allow (`offset.metadata.max.bytes`).
/// - `.records(in:)`: the state can be large (the merge stage's detectors and alert series), so the store
///   first writes it as a record into the committed partition itself (key `Exchange.checkpointKey`, which
///   the merge skips), then commits the offset with that record's position as metadata. A crash between
///   the two leaves the previous commit, and the record it names, in place.
///
/// Commits are synchronous, so lag monitoring (Burrow, `logport groups`) sees the stage's progress.
public struct KafkaCheckpointStore: CheckpointStore {
    public enum Placement: Sendable {
        case commitMetadata
        /// `producer` writes checkpoint records; `reader` is the configuration for a consumer outside
        /// the group that reads one back.
        case records(producer: KafkaProducer, reader: KafkaConfig)
    }

    /// What the commit metadata says when the state is a record.
    private struct RecordPointer: Codable {
        var checkpointOffset: Int64
    }

    private let consumer: KafkaConsumer
    private let placement: Placement
    private let logger: Logger

    public init(consumer: KafkaConsumer, placement: Placement, logger: Logger = Logger(label: "logport.process.checkpoints")) {
        self.consumer = consumer
        self.placement = placement
        self.logger = logger
    }

    public func save(_ checkpoints: [StreamProcessing.TopicPartition: PartitionCheckpoint]) async throws {
        var positions: [KafkaClient.TopicPartition: CommitPosition] = [:]
        switch placement {
        case .commitMetadata:
            for (partition, checkpoint) in checkpoints {
                positions[partition.kafka] = CommitPosition(offset: checkpoint.offset, metadata: String(decoding: checkpoint.state, as: UTF8.self))
            }
        case .records(let producer, _):
            // All partitions' records in flight at once: one acknowledgement wait, not one per partition.
            let written = try await withThrowingTaskGroup(of: (StreamProcessing.TopicPartition, Int64).self) { group in
                for (partition, checkpoint) in checkpoints {
                    group.addTask {
                        let report = try await producer.send(ProducerMessage(topic: partition.topic, key: Exchange.checkpointKey,
                                                                             value: checkpoint.state, partition: partition.partition))
                        return (partition, report.offset)
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            for (partition, checkpointOffset) in written {
                guard let checkpoint = checkpoints[partition] else { continue }
                let pointer = try JSONEncoder().encode(RecordPointer(checkpointOffset: checkpointOffset))
                positions[partition.kafka] = CommitPosition(offset: checkpoint.offset, metadata: String(decoding: pointer, as: UTF8.self))
            }
        }
        try await consumer.commit(positions: positions)
    }

    public func load(_ partitions: [StreamProcessing.TopicPartition]) async throws -> [StreamProcessing.TopicPartition: PartitionCheckpoint] {
        let committed = try await consumer.committedPositions(partitions.map(\.kafka))
        var checkpoints: [StreamProcessing.TopicPartition: PartitionCheckpoint] = [:]
        switch placement {
        case .commitMetadata:
            for (partition, position) in committed {
                checkpoints[StreamProcessing.TopicPartition(partition)] = PartitionCheckpoint(offset: position.offset, state: Array((position.metadata ?? "").utf8))
            }
        case .records(_, let reader):
            var pointers: [KafkaClient.TopicPartition: Int64] = [:]
            for (partition, position) in committed {
                if let metadata = position.metadata, let pointer = try? JSONDecoder().decode(RecordPointer.self, from: Data(metadata.utf8)) {
                    pointers[partition] = pointer.checkpointOffset
                } else {
                    // Committed by something else (a reset): the offset stands, without state.
                    checkpoints[StreamProcessing.TopicPartition(partition)] = PartitionCheckpoint(offset: position.offset, state: [])
                }
            }
            let (states, missing) = try await Self.read(pointers, with: reader)
            for (partition, offset) in missing.sorted(by: { "\($0.key)" < "\($1.key)" }) {
                logger.warning(
                    "the checkpoint record of \(partition) at offset \(offset) is gone (deleted by retention?): that partition resumes at its committed offset with empty state, so its windows and alert series start over; keep the partials topic's retention.ms above the checkpoint interval",
                    metadata: ["partition": "\(partition)", "checkpoint offset": "\(offset)"])
            }
            for partition in pointers.keys {
                guard let position = committed[partition] else { continue }
                checkpoints[StreamProcessing.TopicPartition(partition)] = PartitionCheckpoint(offset: position.offset, state: states[partition] ?? [])
            }
        }
        return checkpoints
    }

    /// Reads the record at each position with a consumer outside the group; `missing` are the
    /// positions whose record is no longer there (their state is empty).
    private static func read(
        _ positions: [KafkaClient.TopicPartition: Int64], with config: KafkaConfig
    ) async throws -> (states: [KafkaClient.TopicPartition: [UInt8]], missing: [KafkaClient.TopicPartition: Int64]) {
        guard !positions.isEmpty else { return ([:], [:]) }
        var config = config
        config.groupID = nil
        let reader = try KafkaConsumer(config: config, bufferCapacity: 16)
        try await reader.assign(positions.mapValues { KafkaOffset($0) })
        var states: [KafkaClient.TopicPartition: [UInt8]] = [:]
        var missing: [KafkaClient.TopicPartition: Int64] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        let timeout = Task {
            try await Task.sleep(until: deadline)
            try await reader.close()
        }
        defer { timeout.cancel() }
        for try await message in reader.messages {
            let partition = message.topicPartition
            if message.offset == positions[partition], message.key == Exchange.checkpointKey { states[partition] = message.value ?? [] }
            if message.offset >= positions[partition] ?? .max, states[partition] == nil {
                states[partition] = []
                missing[partition] = positions[partition]
            }
            if states.count == positions.count { break }
        }
        try await reader.close()
        guard states.count == positions.count else {
            throw KafkaCheckpointError.checkpointRecordsUnreadable(Dictionary(uniqueKeysWithValues: positions.filter { states[$0.key] == nil }
                .map { ("\($0.key)", $0.value) }))
        }
        return (states, missing)
    }
}

public enum KafkaCheckpointError: Error, CustomStringConvertible {
    case checkpointRecordsUnreadable([String: Int64])

    public var description: String {
        switch self {
        case .checkpointRecordsUnreadable(let positions):
            return "the merge checkpoints at \(positions.sorted { $0.key < $1.key }) could not be read within 30 s: is the broker up, or were they deleted by retention?"
        }
    }
}
