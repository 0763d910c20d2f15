import Foundation
import GroupCoordination
import KafkaProtocol
import KafkaRecords
import Logging
import NIOCore
import NIOPosix

/// The broker side of the group coordinator: the pure `GroupCoordinator` behind an actor, with
/// the duties its effects hand out — appending to `__consumer_offsets` (on the partition writers, so
/// each partition's records land in the order the coordinator produced them and compaction keeps
/// the last word), answering waiting
/// JoinGroup/SyncGroup requests only after the records they report are appended, and ticking the
/// clock at the coordinator's next deadline.
actor GroupCoordinatorService {
    private var coordinator: GroupCoordinator
    private let storage: any TopicStorage
    private let ioPool: NIOThreadPool
    private let writers: PartitionWriters
    private let timerEventLoop: any EventLoop
    private let appendNotifier: AppendNotifier
    private let logger: Logger

    private var joins = WaitingResponses<JoinGroupResult>()
    private var syncs = WaitingResponses<SyncGroupResult>()
    private var lastToken: UInt64 = 0
    private var tickScheduledAt: Int64?

    init(
        config: GroupCoordinatorConfig, storage: any TopicStorage, ioPool: NIOThreadPool, writers: PartitionWriters,
        timerEventLoop: any EventLoop, appendNotifier: AppendNotifier, logger: Logger
    ) {
        self.coordinator = GroupCoordinator(config: config)
        self.storage = storage
        self.ioPool = ioPool
        self.writers = writers
        self.timerEventLoop = timerEventLoop
        self.appendNotifier = appendNotifier
        self.logger = logger
    }

    private var now: Int64 { Date().millisecondsSince1970 }

    // MARK: Startup

    /// Creates `__consumer_offsets` if missing, then rebuilds every group and offset from it.
    /// An existing topic keeps its partition count whatever `offsets.topic.num.partitions` says now,
    /// as in Kafka: the count decides which partition holds each group, so changing it would lose them.
    func load() async throws {
        var config = coordinator.config
        let configured = config.offsetsTopicPartitions
        let storage = storage
        let existing = storage.topic(named: OffsetsTopic.name)?.partitionCount
        if let existing, existing != configured {
            logger.warning(
                "\(OffsetsTopic.name) has \(existing) partitions; keeping them and ignoring offsets.topic.num.partitions=\(configured)")
            config.offsetsTopicPartitions = existing
        }
        let partitions = config.offsetsTopicPartitions
        let loader = try await ioPool.runIfActive {
            if existing == nil {
                _ = try storage.createTopic(name: OffsetsTopic.name, partitions: partitions, config: ["cleanup.policy": "compact"])
            }
            return try GroupOffsetsTopicReader.load(from: storage, partitions: partitions)
        }
        coordinator = loader.makeCoordinator(config: config, now: now)
        if loader.skippedRecords > 0 {
            logger.warning("skipped \(loader.skippedRecords) record(s) of \(OffsetsTopic.name) written by a newer group coordinator")
        }
        scheduleTick()
    }

    // MARK: Requests

    /// Hands the JoinGroup to the coordinator in request order; the answer is `joinResult(for:)`.
    func submitJoin(_ input: JoinGroupInput) async -> RequestToken {
        let token = makeToken()
        await carryOut(coordinator.joinGroup(input, token: token, now: now))
        return token
    }

    func joinResult(for token: RequestToken) async -> JoinGroupResult {
        if let ready = joins.takeReady(token) { return ready }
        return await withCheckedContinuation { joins.wait(token, $0) }
    }

    func submitSync(_ input: SyncGroupInput) async -> RequestToken {
        let token = makeToken()
        await carryOut(coordinator.syncGroup(input, token: token, now: now))
        return token
    }

    func syncResult(for token: RequestToken) async -> SyncGroupResult {
        if let ready = syncs.takeReady(token) { return ready }
        return await withCheckedContinuation { syncs.wait(token, $0) }
    }

    func heartbeat(_ input: HeartbeatInput) async -> ErrorCode {
        await finish(coordinator.heartbeat(input, now: now)).result
    }

    func leave(groupID: String, members: [LeavingMember]) async -> LeaveGroupResult {
        await finish(coordinator.leaveGroup(groupID: groupID, members: members, now: now)).result
    }

    /// OffsetCommit; if the commit records cannot be appended, every accepted partition reports
    /// COORDINATOR_NOT_AVAILABLE so the client retries.
    func commitOffsets(_ input: OffsetCommitInput) async -> [PartitionResult] {
        let (results, appended) = await finish(coordinator.commitOffsets(input, now: now))
        guard appended else {
            return results.map { PartitionResult(key: $0.key, errorCode: $0.errorCode == .none ? .coordinatorNotAvailable : $0.errorCode) }
        }
        return results
    }

    func fetchOffsets(groupID: String, partitions: [OffsetKey]?) -> OffsetFetchResult {
        coordinator.fetchOffsets(groupID: groupID, partitions: partitions)
    }

    func deleteOffsets(groupID: String, partitions: [OffsetKey]) async -> OffsetDeleteResult {
        await finish(coordinator.deleteOffsets(groupID: groupID, partitions: partitions, now: now)).result
    }

    func deleteGroups(_ groupIDs: [String]) async -> [GroupDeletion] {
        await finish(coordinator.deleteGroups(groupIDs, now: now)).result
    }

    func describeGroup(_ groupID: String) -> GroupDescription? {
        coordinator.describeGroup(groupID)
    }

    func listGroups(statesFilter: [String]) -> [GroupListing] {
        coordinator.listGroups(statesFilter: statesFilter)
    }

    // MARK: Effects

    private func makeToken() -> RequestToken {
        lastToken += 1
        return RequestToken(lastToken)
    }

    private func finish<Result>(_ outcome: GroupOutcome<Result>) async -> (result: Result, appended: Bool) {
        (outcome.result, await carryOut(outcome.effects))
    }

    /// Carries out effects in order; answers wait for the appends before them. False if an append failed.
    @discardableResult
    private func carryOut(_ effects: [GroupEffect]) async -> Bool {
        scheduleTick()
        var allAppended = true
        for effect in effects {
            switch effect {
            case .append(let append):
                allAppended = await self.append(append) && allAppended
            case .completeJoin(let token, let result):
                joins.deliver(result, to: token)
            case .completeSync(let token, let result):
                syncs.deliver(result, to: token)
            }
        }
        return allAppended
    }

    /// Appends on the partition's writer: submitted in the order the coordinator made the records
    /// (this actor submits before it awaits), written in that order.
    private func append(_ append: OffsetsTopicAppend) async -> Bool {
        let batch: ByteBuffer
        do {
            guard let made = try append.recordBatch() else { return true }
            batch = made
        } catch {
            logger.error("cannot encode group state for \(OffsetsTopic.name)-\(append.partition): \(error)")
            return false
        }
        let (storage, logger, notifier) = (storage, logger, appendNotifier)
        let key = TopicPartitionKey(topic: OffsetsTopic.name, partition: append.partition.rawValue)
        return await withCheckedContinuation { continuation in
            let submitted = writers.submit(key) {
                do {
                    guard let log = storage.partitionStorage(topic: OffsetsTopic.name, index: append.partition) else {
                        throw GroupStorageError("\(OffsetsTopic.name)-\(append.partition) does not exist")
                    }
                    _ = try log.append(batch, leaderEpoch: LeaderEpoch(0), now: append.timestamp)
                    notifier.notify(key)
                    continuation.resume(returning: true)
                } catch {
                    logger.error("cannot append group state to \(OffsetsTopic.name)-\(append.partition): \(error)")
                    continuation.resume(returning: false)
                }
            }
            if !submitted {
                logger.error("cannot append group state to \(OffsetsTopic.name)-\(append.partition): the broker is shutting down")
                continuation.resume(returning: false)
            }
        }
    }

    /// Makes sure a tick runs at the coordinator's next deadline.
    private func scheduleTick() {
        guard let deadline = coordinator.nextDeadline else { return }
        if let scheduled = tickScheduledAt, scheduled <= deadline { return }
        tickScheduledAt = deadline
        timerEventLoop.scheduleTask(in: .milliseconds(max(0, deadline - now))) {
            Task { await self.tick(scheduledFor: deadline) }
        }
    }

    private func tick(scheduledFor deadline: Int64) async {
        if tickScheduledAt == deadline { tickScheduledAt = nil }
        await carryOut(coordinator.tick(now: now))
    }
}

/// Answers for JoinGroup or SyncGroup requests, matched to the requests waiting for them by token;
/// an answer that comes before its request waits is kept until it does.
private struct WaitingResponses<Response: Sendable> {
    private var waiting: [RequestToken: CheckedContinuation<Response, Never>] = [:]
    private var ready: [RequestToken: Response] = [:]

    mutating func deliver(_ response: Response, to token: RequestToken) {
        if let continuation = waiting.removeValue(forKey: token) {
            continuation.resume(returning: response)
        } else {
            ready[token] = response
        }
    }

    mutating func takeReady(_ token: RequestToken) -> Response? {
        ready.removeValue(forKey: token)
    }

    mutating func wait(_ token: RequestToken, _ continuation: CheckedContinuation<Response, Never>) {
        waiting[token] = continuation
    }
}

struct GroupStorageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
