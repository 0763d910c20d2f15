import GroupCoordination
import KafkaProtocol

/// OffsetCommit: partitions of unknown topics are refused here; the rest go to the coordinator.
/// Versions 9+ (KIP-848 member epochs) are for the new consumer protocol, which this broker does not run.
struct OffsetCommitHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...8

    func handle(_ request: OffsetCommitRequest, context: RequestContext) async throws -> HandlerOutcome<OffsetCommitResponse> {
        let storage = context.broker.storage
        var unknown: [PartitionResult] = []
        var commits: [PartitionCommit] = []
        for topic in request.topics {
            for partition in topic.partitions {
                let key = OffsetKey(topic: topic.name, partition: partition.partitionIndex)
                guard storage.partitionStorage(topic: topic.name, index: partition.partitionIndex) != nil else {
                    unknown.append(PartitionResult(key: key, errorCode: .unknownTopicOrPartition))
                    continue
                }
                commits.append(PartitionCommit(
                    key: key, offset: partition.committedOffset, leaderEpoch: LeaderEpoch(partition.committedLeaderEpoch),
                    metadata: partition.committedMetadata))
            }
        }
        let input = OffsetCommitInput(
            groupID: request.groupId, generationID: request.generationIdOrMemberEpoch, memberID: request.memberId,
            groupInstanceID: request.groupInstanceId, retentionTimeMs: request.retentionTimeMs, partitions: commits)
        let results = commits.isEmpty ? [] : await context.broker.groups.commitOffsets(input)
        return .now(OffsetCommitResponse(topics: groupedByTopic(results + unknown, key: \.key).map { topic in
            .init(name: topic.topic, partitions: topic.items.map { .init(partitionIndex: $0.key.partition, errorCode: $0.errorCode) })
        }))
    }
}
