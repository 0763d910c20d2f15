import KafkaProtocol
import NIOCore

/// One call's work on one group: the group, taken out of the coordinator while it changes, and
/// the effects the change produces. Kafka's GroupCoordinator logic for a single group lives in
/// extensions of this type, one file per concern.
struct GroupUpdate {
    var group: ClassicGroup
    let config: GroupCoordinatorConfig
    let now: Int64
    private(set) var effects: [GroupEffect] = []
    /// The group has been deleted (DeleteGroups, or it expired) and must be forgotten.
    var isDeleted = false

    init(group: ClassicGroup, config: GroupCoordinatorConfig, now: Int64) {
        self.group = group
        self.config = config
        self.now = now
    }

    // MARK: Answering waiting requests

    mutating func respond(_ token: RequestToken, _ result: JoinGroupResult) {
        effects.append(.completeJoin(token, result))
    }

    mutating func respond(_ token: RequestToken, _ result: SyncGroupResult) {
        effects.append(.completeSync(token, result))
    }

    /// Answers the member's waiting JoinGroup, if any.
    mutating func answerJoin(of memberID: String, _ result: JoinGroupResult) {
        guard let token = group.member(memberID)?.pendingJoin else { return }
        group.update(memberID) { $0.pendingJoin = nil }
        respond(token, result)
    }

    /// Answers the member's waiting SyncGroup, if any; true if there was one.
    @discardableResult
    mutating func answerSync(of memberID: String, _ result: SyncGroupResult) -> Bool {
        guard let token = group.member(memberID)?.pendingSync else { return false }
        group.update(memberID) { $0.pendingSync = nil }
        respond(token, result)
        return true
    }

    /// The current generation as a JoinGroup response tells it.
    func currentGeneration(for memberID: String, members: [JoinedMember], leaderID: String?, skipAssignment: Bool = false) -> JoinGroupResult {
        JoinGroupResult(
            errorCode: .none, generationID: group.generationID, protocolType: group.protocolType,
            protocolName: group.protocolName, leaderID: leaderID ?? "", skipAssignment: skipAssignment,
            memberID: memberID, members: members)
    }

    // MARK: Liveness

    /// The member proved it is alive: its session starts over.
    mutating func renewSession(of memberID: String) {
        let now = now
        group.update(memberID) { $0.sessionDeadline = now + Int64($0.sessionTimeoutMs) }
    }

    // MARK: Persistence

    /// Appends records to the group's partition of `__consumer_offsets`.
    mutating func append(_ records: [CoordinatorRecord]) {
        guard !records.isEmpty else { return }
        let partition = OffsetsTopic.partition(for: group.groupID, partitionCount: config.offsetsTopicPartitions)
        effects.append(.append(OffsetsTopicAppend(partition: partition, records: records, timestamp: now)))
    }

    /// Kafka's storeGroup: the group's membership with these assignments, as a GroupMetadata record.
    mutating func persistGroup(assignments: [String: ByteBuffer]) {
        append([.groupMetadata(groupID: group.groupID, value: group.metadataValue(assignments: assignments))])
    }
}
