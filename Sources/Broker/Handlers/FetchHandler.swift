import KafkaProtocol
import KafkaRecords
import LogStorage
import NIOCore

/// Fetch: consumers read records. Records go from the segment files to the socket with sendfile;
/// a fetch that finds fewer than `min.bytes` waits up to `max.wait.ms`, woken early by appends to
/// the partitions it reads (long poll).
///
/// Fetch sessions (KIP-227): a consumer may open a session and then send and receive only what
/// changed (`FetchSessionCache`).
struct FetchHandler: ApiHandler {
    /// v0–3 (sarama with an old `kafka-version`, very old clients) get their records down-converted
    /// to message format v0/v1 in memory, as Kafka does; v4+ are served from the files with sendfile.
    let versions: ClosedRange<Int16> = 0...16

    func handle(_ request: FetchRequest, context: RequestContext) async throws -> HandlerOutcome<FetchResponse> {
        let broker = context.broker
        let version = context.apiVersion
        let resolution: FetchSessionCache.Resolution
        switch broker.fetchSessions.resolve(request, topicName: { topic in
            version >= 13 ? broker.storage.topic(id: topic.topicId)?.name : topic.topic
        }) {
        case .rejected(let error):
            return .now(FetchResponse(errorCode: error, sessionId: 0))
        case .resolved(let resolved):
            resolution = resolved
            if resolved.sessionID != 0 && !resolved.isIncremental {
                context.logger.debug("opened fetch session \(resolved.sessionID) for client \(context.clientID ?? "-")")
            }
        }
        let plan = FetchPlan(topics: resolution.topics, request: request, version: version, broker: broker)
        let notifier = context.broker.appendNotifier
        let snapshot = notifier.snapshot(plan.waitKeys)
        let first = try await plan.read(context: context)
        let waitMs = Int64(max(0, request.maxWaitMs))
        if first.bytes >= Int(request.minBytes) || waitMs == 0 || first.hasError || plan.waitKeys.isEmpty {
            return .now(first.sent(with: context, session: resolution))
        }
        // Not enough data: give back the regions we will not send and wait for appends.
        first.release()
        let deadline = NIODeadline.now() + .milliseconds(waitMs)
        let eventLoop = context.eventLoop
        return .later { [snapshot] in
            var snapshot = snapshot
            while true {
                let remaining = deadline - .now()
                if remaining > .zero {
                    await notifier.wait(for: plan.waitKeys, since: snapshot, timeout: remaining, on: eventLoop)
                }
                snapshot = notifier.snapshot(plan.waitKeys)
                let attempt = try await plan.read(context: context)
                if attempt.bytes >= Int(request.minBytes) || deadline <= .now() || attempt.hasError {
                    return attempt.sent(with: context, session: resolution)
                }
                attempt.release()
            }
        }
    }
}

extension FetchHandler {
    func forEachError(in response: FetchResponse, _ body: (ErrorCode) -> Void) {
        if response.errorCode != .none { body(response.errorCode) }
        for topic in response.responses {
            for partition in topic.partitions where partition.errorCode != .none { body(partition.errorCode) }
        }
    }
}

/// The partitions a fetch asks for, resolved to logs once, and read as often as the long poll needs.
private struct FetchPlan: Sendable {
    struct Target: Sendable {
        let topicIndex: Int
        let partition: FetchRequest.FetchPartition
        let log: (any PartitionStorage)?
        let error: ErrorCode
    }

    struct Result: Sendable {
        var response: FetchResponse
        var bytes: Int
        var hasError: Bool
        var releases: [@Sendable () -> Void]

        /// Gives back file regions that will not be sent.
        func release() {
            for action in releases { action() }
        }

        /// The response to send, trimmed to what changed for an incremental session; its file
        /// regions are released once it is written.
        func sent(with context: RequestContext, session: FetchSessionCache.Resolution) -> FetchResponse {
            for action in releases { context.resources.releaseAfterWrite(action) }
            var response = response
            response.sessionId = session.sessionID
            context.broker.fetchSessions.finish(&response, for: session)
            return response
        }
    }

    let topics: [(name: String, id: KafkaUUID)]
    let targets: [Target]
    let waitKeys: [TopicPartitionKey]
    let maxBytes: Int
    let isolationLevel: Int8
    /// The message format a pre-v4 fetch needs; nil for v4+ (record batches as stored).
    let legacyMagic: LegacyMagic?

    init(topics wantedTopics: [FetchRequest.FetchTopic], request: FetchRequest, version: Int16, broker: BrokerCore) {
        var topics: [(String, KafkaUUID)] = []
        var targets: [Target] = []
        var waitKeys: [TopicPartitionKey] = []
        let catalog = broker.storage
        for (topicIndex, wanted) in wantedTopics.enumerated() {
            let info: TopicMetadata?
            if version >= 13 && !wanted.topicId.isZero {
                info = catalog.topic(id: wanted.topicId)
            } else {
                info = catalog.topic(named: wanted.topic)
            }
            topics.append((info?.name ?? wanted.topic, info?.id ?? wanted.topicId))
            let missing: ErrorCode = version >= 13 ? .unknownTopicID : .unknownTopicOrPartition
            for partition in wanted.partitions {
                guard let info, let log = catalog.partitionStorage(topic: info.name, index: partition.partition) else {
                    targets.append(Target(topicIndex: topicIndex, partition: partition, log: nil, error: missing))
                    continue
                }
                // One node, leader epoch 0: a client that knows a newer epoch is ahead of us, an
                // older one is behind (KIP-320).
                let epoch = partition.currentLeaderEpoch.rawValue
                let error: ErrorCode = epoch < 0 || epoch == 0 ? .none : .unknownLeaderEpoch
                targets.append(Target(topicIndex: topicIndex, partition: partition, log: log, error: error))
                if error == .none { waitKeys.append(TopicPartitionKey(topic: info.name, partition: partition.partition.rawValue)) }
            }
        }
        self.topics = topics
        self.targets = targets
        self.waitKeys = waitKeys
        self.maxBytes = Int(max(0, request.maxBytes))
        self.isolationLevel = request.isolationLevel
        self.legacyMagic = version >= 4 ? nil : (version >= 2 ? .v1 : .v0)
    }

    func read(context: RequestContext) async throws -> Result {
        let targets = self.targets
        let maxBytes = self.maxBytes
        let legacyMagic = self.legacyMagic
        // READ_COMMITTED consumers stop at the last stable offset.
        let bound: ReadBound = isolationLevel == 1 ? .lastStableOffset : .highWatermark
        // A consumer at the tail is answered from memory on the event loop; anything else reads
        // the files on the storage pool.
        let reads: [PartitionOutcome]
        if let answered = Self.readAllWithoutIO(targets, maxBytes: maxBytes, bound: bound, legacyMagic: legacyMagic) {
            reads = answered
        } else {
            reads = try await context.broker.io { Self.readAll(targets, maxBytes: maxBytes, bound: bound, legacyMagic: legacyMagic) }
        }
        var response = FetchResponse(errorCode: .none, sessionId: 0)
        response.responses = topics.map { FetchResponse.FetchableTopicResponse(topic: $0.name, topicId: $0.id, partitions: []) }
        var bytes = 0
        var hasError = false
        var releases: [@Sendable () -> Void] = []
        for (target, outcome) in zip(targets, reads) {
            response.responses[target.topicIndex].partitions.append(outcome.data)
            bytes += outcome.data.records?.byteCount ?? 0
            hasError = hasError || outcome.data.errorCode != .none
            if let release = outcome.release { releases.append(release) }
        }
        return Result(response: response, bytes: bytes, hasError: hasError, releases: releases)
    }

    struct PartitionOutcome: Sendable {
        var data: FetchResponse.PartitionData
        var release: (@Sendable () -> Void)?
    }

    /// Reads every target in order, sharing `maxBytes`.
    private static func readAll(_ targets: [Target], maxBytes: Int, bound: ReadBound, legacyMagic: LegacyMagic?) -> [PartitionOutcome] {
        var remaining = maxBytes
        var sentAny = false
        return targets.map { readPartition($0, bound: bound, legacyMagic: legacyMagic, remaining: &remaining, sentAny: &sentAny) }
    }

    /// The same reads when memory alone answers them all; nil (after giving back what was taken) as
    /// soon as one partition needs the files.
    private static func readAllWithoutIO(_ targets: [Target], maxBytes: Int, bound: ReadBound, legacyMagic: LegacyMagic?) -> [PartitionOutcome]? {
        var remaining = maxBytes
        var sentAny = false
        var outcomes: [PartitionOutcome] = []
        outcomes.reserveCapacity(targets.count)
        for target in targets {
            guard let outcome = readPartitionWithoutIO(target, bound: bound, legacyMagic: legacyMagic, remaining: &remaining, sentAny: &sentAny) else {
                for taken in outcomes { taken.release?() }
                return nil
            }
            outcomes.append(outcome)
        }
        return outcomes
    }

    private static func readPartitionWithoutIO(
        _ target: Target, bound: ReadBound, legacyMagic: LegacyMagic?, remaining: inout Int, sentAny: inout Bool
    ) -> PartitionOutcome? {
        guard let log = target.log, target.error == .none else { return errorOutcome(target) }
        guard legacyMagic == nil else { return nil }
        let limit = min(Int(max(0, target.partition.partitionMaxBytes)), remaining)
        guard let read = log.readWithoutIO(from: target.partition.fetchOffset, maxBytes: limit, upTo: bound, minOneBatch: !sentAny) else {
            return nil
        }
        return outcome(target, read, remaining: &remaining, sentAny: &sentAny)
    }

    private static func errorOutcome(_ target: Target) -> PartitionOutcome {
        PartitionOutcome(data: .init(partitionIndex: target.partition.partition, errorCode: target.error, highWatermark: Offset(-1), records: .memory(ByteBuffer())))
    }

    /// The response entry for a read of a log.
    private static func outcome(_ target: Target, _ read: PartitionRead, remaining: inout Int, sentAny: inout Bool) -> PartitionOutcome {
        var data = FetchResponse.PartitionData(
            partitionIndex: target.partition.partition, errorCode: .none, highWatermark: read.offsets.highWatermark,
            lastStableOffset: read.offsets.lastStableOffset, logStartOffset: read.offsets.logStartOffset,
            abortedTransactions: nil, records: .memory(ByteBuffer()))
        if let records = read.records, records.byteCount > 0 {
            data.records = records
            remaining = max(0, remaining - records.byteCount)
            sentAny = true
        }
        return PartitionOutcome(data: data, release: read.release)
    }

    private static func readPartition(
        _ target: Target, bound: ReadBound, legacyMagic: LegacyMagic?, remaining: inout Int, sentAny: inout Bool
    ) -> PartitionOutcome {
        let index = target.partition.partition
        guard let log = target.log, target.error == .none else { return errorOutcome(target) }
        let offsets: LogOffsets
        do {
            offsets = try log.offsets
        } catch {
            return PartitionOutcome(data: .init(partitionIndex: index, errorCode: Self.errorCode(error), highWatermark: Offset(-1), records: .memory(ByteBuffer())))
        }
        var data = FetchResponse.PartitionData(
            partitionIndex: index, errorCode: .none, highWatermark: offsets.highWatermark,
            lastStableOffset: offsets.lastStableOffset, logStartOffset: offsets.logStartOffset,
            abortedTransactions: nil, records: .memory(ByteBuffer()))
        let fetchOffset = target.partition.fetchOffset
        guard fetchOffset >= offsets.logStartOffset, fetchOffset <= offsets.logEndOffset else {
            data.errorCode = .offsetOutOfRange
            return PartitionOutcome(data: data, release: nil)
        }
        let limit = min(Int(max(0, target.partition.partitionMaxBytes)), remaining)
        guard fetchOffset < offsets.highWatermark, limit > 0 || !sentAny else {
            return PartitionOutcome(data: data, release: nil)
        }
        do {
            if let legacyMagic {
                let stored = try log.readIntoMemory(from: fetchOffset, maxBytes: max(limit, 1))
                let converted = try LegacyMessageSet.downConvert(RecordBatch.readAll(from: stored), to: legacyMagic)
                data.records = .memory(converted)
                remaining = max(0, remaining - converted.readableBytes)
                sentAny = sentAny || converted.readableBytes > 0
                return PartitionOutcome(data: data, release: nil)
            }
            let read = try log.read(from: fetchOffset, maxBytes: limit, upTo: bound, minOneBatch: !sentAny)
            return outcome(target, read, remaining: &remaining, sentAny: &sentAny)
        } catch {
            data.errorCode = Self.errorCode(error)
            return PartitionOutcome(data: data, release: nil)
        }
    }

    private static func errorCode(_ error: Error) -> ErrorCode {
        (error as? StorageErrorMapping)?.kafkaErrorCode ?? .kafkaStorageError
    }
}

/// Storage errors that correspond to a specific Kafka error code (offset out of range…);
/// anything else is reported as KAFKA_STORAGE_ERROR.
protocol StorageErrorMapping: Error {
    var kafkaErrorCode: ErrorCode { get }
}
