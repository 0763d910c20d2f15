import GroupCoordination
import KafkaProtocol

/// OffsetDelete (KIP-496): partitions of unknown topics are refused here; the rest go to the coordinator.
struct OffsetDeleteHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...0

    func handle(_ request: OffsetDeleteRequest, context: RequestContext) async throws -> HandlerOutcome<OffsetDeleteResponse> {
        let storage = context.broker.storage
        var unknown: [PartitionResult] = []
        var keys: [OffsetKey] = []
        for topic in request.topics {
            for partition in topic.partitions {
                let key = OffsetKey(topic: topic.name, partition: partition.partitionIndex)
                if storage.partitionStorage(topic: topic.name, index: partition.partitionIndex) == nil {
                    unknown.append(PartitionResult(key: key, errorCode: .unknownTopicOrPartition))
                } else {
                    keys.append(key)
                }
            }
        }
        let result = await context.broker.groups.deleteOffsets(groupID: request.groupId, partitions: keys)
        guard result.errorCode == .none else { return .now(OffsetDeleteResponse(errorCode: result.errorCode)) }
        return .now(OffsetDeleteResponse(errorCode: .none, topics: groupedByTopic(result.partitions + unknown, key: \.key).map { topic in
            .init(name: topic.topic, partitions: topic.items.map { .init(partitionIndex: $0.key.partition, errorCode: $0.errorCode) })
        }))
    }
}
