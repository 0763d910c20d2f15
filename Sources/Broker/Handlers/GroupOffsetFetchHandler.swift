import GroupCoordination
import KafkaProtocol

/// OffsetFetch: one group (v0-7) or several (v8). Versions 9+ carry KIP-848 member epochs and are not served.
struct OffsetFetchHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...8

    func handle(_ request: OffsetFetchRequest, context: RequestContext) async throws -> HandlerOutcome<OffsetFetchResponse> {
        let groups = context.broker.groups
        if context.apiVersion >= 8 {
            var answers: [OffsetFetchResponse.OffsetFetchResponseGroup] = []
            for group in request.groups {
                let keys = group.topics.map { topics in topics.flatMap { topic in topic.partitionIndexes.map { OffsetKey(topic: topic.name, partition: $0) } } }
                let result = await groups.fetchOffsets(groupID: group.groupId, partitions: keys)
                answers.append(.init(groupId: group.groupId, topics: groupedByTopic(result.partitions, key: \.key).map { topic in
                    .init(name: topic.topic, partitions: topic.items.map {
                        .init(partitionIndex: $0.key.partition, committedOffset: $0.offset, committedLeaderEpoch: $0.leaderEpoch.rawValue,
                              metadata: $0.metadata, errorCode: $0.errorCode)
                    })
                }, errorCode: result.errorCode))
            }
            return .now(OffsetFetchResponse(groups: answers))
        }
        let keys = request.topics.map { topics in topics.flatMap { topic in topic.partitionIndexes.map { OffsetKey(topic: topic.name, partition: $0) } } }
        let result = await groups.fetchOffsets(groupID: request.groupId, partitions: keys)
        return .now(OffsetFetchResponse(topics: groupedByTopic(result.partitions, key: \.key).map { topic in
            .init(name: topic.topic, partitions: topic.items.map {
                .init(partitionIndex: $0.key.partition, committedOffset: $0.offset, committedLeaderEpoch: $0.leaderEpoch.rawValue,
                      metadata: $0.metadata, errorCode: $0.errorCode)
            })
        }, errorCode: result.errorCode))
    }
}
