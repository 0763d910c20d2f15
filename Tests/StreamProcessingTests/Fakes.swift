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

/// Polls scripted batches; a seek behaves like Kafka's: later polls start at the offset, redelivering
/// records already polled at or after it.
actor InMemorySource: RecordSource {
    private var batches: [[SourceRecord]]
    private var partitions: [TopicPartition]
    private var delivered: [SourceRecord] = []
    private(set) var seeks: [[TopicPartition: Int64]] = []
    private var held: [TopicPartition] = []
    private var committed: [TopicPartition: Int64] = [:]
    private let log: OperationLog?

    init(batches: [[SourceRecord]], partitions: [TopicPartition], log: OperationLog? = nil) {
        self.batches = batches
        self.partitions = partitions
        self.log = log
    }

    /// The group takes these partitions away, holding the revocation until the runner completes it.
    func holdRevocation(_ partitions: [TopicPartition]) { held = partitions }
    /// Another member committed these offsets.
    func commitElsewhere(_ offsets: [TopicPartition: Int64]) { committed.merge(offsets) { $1 } }

    func revocationsAwaitingCheckpoint() async -> [TopicPartition] { held }

    func completeRevocations() async {
        partitions.removeAll { held.contains($0) }
        held = []
        await log?.append("revocation completed")
    }

    func committedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        committed.filter { partitions.contains($0.key) }
    }

    func poll() async throws -> [SourceRecord] {
        guard !batches.isEmpty else { return [] }
        let batch = batches.removeFirst()
        delivered += batch
        return batch
    }

    func assignedPartitions() async -> [TopicPartition] { partitions }
    func reassign(_ partitions: [TopicPartition]) { self.partitions = partitions }

    func seek(to nextOffsets: [TopicPartition: Int64]) async throws {
        seeks.append(nextOffsets)
        func isBefore(_ record: SourceRecord) -> Bool {
            nextOffsets[record.topicPartition].map { record.offset < $0 } ?? false
        }
        let redelivered = delivered.filter { nextOffsets[$0.topicPartition] != nil && !isBefore($0) }
        delivered.removeAll { nextOffsets[$0.topicPartition] != nil }
        batches = batches.map { batch in batch.filter { !isBefore($0) } }
        if !redelivered.isEmpty { batches.insert(redelivered, at: 0) }
    }
}

actor RecordingCommitter: OffsetCommitter {
    private(set) var commits: [[TopicPartition: Int64]] = []
    private let log: OperationLog
    private let rejects: Bool

    init(log: OperationLog, rejects: Bool = false) {
        self.log = log
        self.rejects = rejects
    }

    func commit(_ nextOffsets: [TopicPartition: Int64]) async throws {
        if rejects {
            await log.append("commit rejected")
            throw RejectedCommit()
        }
        commits.append(nextOffsets)
        await log.append("commit \(nextOffsets.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))")
    }
}

actor RecordingCheckpoints: CheckpointStore {
    private(set) var saved: [PipelineSnapshot] = []
    private let log: OperationLog

    init(log: OperationLog, initial: PipelineSnapshot? = nil) {
        self.log = log
        if let initial { saved = [initial] }
    }

    func load(pipeline: String) async throws -> PipelineSnapshot? { saved.last }

    func save(_ snapshot: PipelineSnapshot, atMillis: Int64) async throws {
        saved.append(snapshot)
        await log.append("checkpoint")
    }
}

actor RecordingPublisher: RecordPublisher {
    private(set) var records: [(topic: String, key: String?, value: String)] = []

    func publish(_ outgoing: [OutgoingRecord]) async throws {
        for record in outgoing {
            records.append((record.topic, record.key.map { String(decoding: $0, as: UTF8.self) }, String(decoding: record.value, as: UTF8.self)))
        }
    }
}

struct RejectedCommit: Error {}

struct LoggingSink: Sink {
    let name = "logging"
    let log: OperationLog
    let failFlush: Bool

    func prepare() async throws { await log.append("prepare") }
    func accept(_ output: ProcessorOutput, nowMillis: Int64) async throws { await log.append("accept \(output.windowResults.count)") }
    func partitionsAssigned(_ partitions: [TopicPartition]) async throws { await log.append("assigned \(partitions.map(\.description))") }

    func flush() async throws {
        await log.append("flush")
        if failFlush { throw ClickHouseError(table: "t", operation: "insert", status: 400, body: "bad") }
    }
}
