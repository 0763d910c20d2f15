import Foundation
@testable import StreamProcessing

/// Records everything the runner and sinks do, in order, across all fakes sharing it.
actor OperationLog {
    private(set) var entries: [String] = []

    func append(_ entry: String) { entries.append(entry) }
}

/// Answers with scripted statuses (then 200) and records requests.
actor ScriptedTransport: HTTPTransport {
    private var statuses: [Int]
    private(set) var requests: [OutgoingHTTPRequest] = []
    private let log: OperationLog?

    init(statuses: [Int] = [], log: OperationLog? = nil) {
        self.statuses = statuses
        self.log = log
    }

    func send(_ request: OutgoingHTTPRequest) async throws -> HTTPResponseSummary {
        requests.append(request)
        let status = statuses.isEmpty ? 200 : statuses.removeFirst()
        await log?.append("http \(status)")
        return HTTPResponseSummary(status: status, body: Array("status \(status)".utf8))
    }
}

/// A partition's records, and the batches a consumer polls them in; a seek behaves like Kafka's: later
/// polls start at the offset, so records at or after it come again and records before it are skipped.
actor InMemorySource: RecordSource {
    private var log: [TopicPartition: [SourceRecord]]
    private var positions: [TopicPartition: Int]
    private var partitions: [TopicPartition]
    private let batchSize: Int
    private(set) var seeks: [[TopicPartition: Int64]] = []
    private var held: [TopicPartition] = []
    private let operations: OperationLog?

    /// Polls return up to `batchSize` records, taking each partition's records in offset order, the
    /// partitions in turn.
    init(records: [SourceRecord], partitions: [TopicPartition], batchSize: Int = 5, log: OperationLog? = nil) {
        self.log = Dictionary(grouping: records, by: \.topicPartition).mapValues { $0.sorted { $0.offset < $1.offset } }
        self.positions = [:]
        self.partitions = partitions
        self.batchSize = batchSize
        self.operations = log
    }

    /// The group takes these partitions away, holding the revocation until the runner completes it.
    func holdRevocation(_ partitions: [TopicPartition]) { held = partitions }

    func revocationsAwaitingCheckpoint() async -> [TopicPartition] { held }

    func completeRevocations() async {
        partitions.removeAll { held.contains($0) }
        held = []
        await operations?.append("revocation completed")
    }

    func append(_ records: [SourceRecord]) {
        for record in records { log[record.topicPartition, default: []].append(record) }
    }

    func poll() async throws -> [SourceRecord] {
        var batch: [SourceRecord] = []
        while batch.count < batchSize {
            var progressed = false
            for partition in partitions.sorted() where batch.count < batchSize {
                let records = log[partition] ?? []
                let position = positions[partition] ?? 0
                guard position < records.count else { continue }
                batch.append(records[position])
                positions[partition] = position + 1
                progressed = true
            }
            if !progressed { break }
        }
        return batch
    }

    func assignedPartitions() async -> [TopicPartition] { partitions }
    func reassign(_ partitions: [TopicPartition]) { self.partitions = partitions }

    func seek(to nextOffsets: [TopicPartition: Int64]) async throws {
        seeks.append(nextOffsets)
        for (partition, offset) in nextOffsets {
            positions[partition] = (log[partition] ?? []).firstIndex { $0.offset >= offset } ?? (log[partition]?.count ?? 0)
        }
    }
}

/// Keeps checkpoints as a consumer group keeps committed offsets: the last saved per partition, shared by
/// every runner given the same store.
actor RecordingCheckpoints: CheckpointStore {
    private(set) var saved: [TopicPartition: PartitionCheckpoint] = [:]
    private(set) var saves: [[TopicPartition: Int64]] = []
    private let log: OperationLog
    private let rejects: Bool

    init(log: OperationLog, rejects: Bool = false) {
        self.log = log
        self.rejects = rejects
    }

    func load(_ partitions: [TopicPartition]) async throws -> [TopicPartition: PartitionCheckpoint] {
        saved.filter { partitions.contains($0.key) }
    }

    func save(_ checkpoints: [TopicPartition: PartitionCheckpoint]) async throws {
        if rejects {
            await log.append("commit rejected")
            throw RejectedCommit()
        }
        saved.merge(checkpoints) { $1 }
        saves.append(checkpoints.mapValues(\.offset))
        await log.append("commit \(checkpoints.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.offset)" }.joined(separator: ","))")
    }
}

actor RecordingPublisher: RecordPublisher {
    private(set) var records: [(topic: String, key: String?, value: String)] = []

    private let acknowledgement: PublishAcknowledgement

    /// `failing`: every acknowledgement fails with it, as a broker that lost the records would.
    init(failing: (any Error & Sendable)? = nil) {
        acknowledgement = failing.map { error in PublishAcknowledgement { throw error } } ?? .done
    }

    func hand(_ outgoing: [OutgoingRecord]) async throws -> PublishAcknowledgement {
        for record in outgoing {
            records.append((record.topic, record.key.map { String(decoding: $0, as: UTF8.self) }, String(decoding: record.value, as: UTF8.self)))
        }
        return acknowledgement
    }
}

struct RejectedCommit: Error {}

struct LoggingSink: Sink {
    let name = "logging"
    let log: OperationLog
    let failFlush: Bool

    func prepare() async throws { await log.append("prepare") }
    func accept(_ output: ProcessorOutput, nowMillis: Int64) async throws { await log.append("accept \(output.consumed.canonicalDescription)") }
    func partitionsAssigned(_ partitions: [TopicPartition]) async throws { await log.append("assigned \(partitions.map(\.description))") }

    func flush() async throws {
        await log.append("flush")
        if failFlush { throw ClickHouseError(table: "t", operation: "insert", status: 400, body: "bad") }
    }
}
