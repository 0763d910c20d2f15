import KafkaProtocol
import LogStorage

/// Metadata: brokers, topics and partition leaders. On one node this broker leads every partition,
/// with itself as the only replica and ISR member. Topics are auto-created here, as in Kafka.
struct MetadataHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...12

    func handle(_ request: MetadataRequest, context: RequestContext) async throws -> HandlerOutcome<MetadataResponse> {
        let broker = context.broker
        let version = context.apiVersion
        // v0: an empty list means every topic; v1+: null means every topic and empty means none.
        let wantsAll = request.topics == nil || (version == 0 && request.topics?.isEmpty == true)
        let allowAutoCreate = version < 4 || request.allowAutoTopicCreation

        var topics: [MetadataResponse.MetadataResponseTopic] = []
        if wantsAll {
            topics = broker.storage.topics().sorted { $0.name < $1.name }.map { Self.describe($0, broker: broker) }
        } else {
            for wanted in request.topics ?? [] {
                if let name = wanted.name {
                    if let error = TopicName.validationError(name) {
                        context.logger.debug("metadata for invalid topic name: \(error)")
                        topics.append(.init(errorCode: .invalidTopicException, name: name))
                    } else if let topic = try await broker.topicCreatingIfAllowed(name, allowAutoCreate: allowAutoCreate) {
                        topics.append(Self.describe(topic, broker: broker))
                    } else {
                        topics.append(.init(errorCode: .unknownTopicOrPartition, name: name))
                    }
                } else if let topic = broker.storage.topic(id: wanted.topicId) {
                    topics.append(Self.describe(topic, broker: broker))
                } else {
                    topics.append(.init(errorCode: .unknownTopicID, name: nil, topicId: wanted.topicId))
                }
            }
        }
        let (host, port) = broker.config.advertisedEndpoint
        return .now(MetadataResponse(
            brokers: [.init(nodeId: broker.nodeID, host: host, port: Int32(port), rack: nil)],
            clusterId: broker.clusterID,
            controllerId: broker.nodeID,
            topics: topics
        ))
    }

    static func describe(_ topic: TopicMetadata, broker: BrokerCore) -> MetadataResponse.MetadataResponseTopic {
        let node = broker.nodeID
        let partitions = (0..<topic.partitionCount).map { index in
            MetadataResponse.MetadataResponsePartition(
                errorCode: .none,
                partitionIndex: PartitionIndex(index),
                leaderId: node,
                leaderEpoch: LeaderEpoch(0),
                replicaNodes: [node],
                isrNodes: [node],
                offlineReplicas: []
            )
        }
        return MetadataResponse.MetadataResponseTopic(
            errorCode: .none, name: topic.name, topicId: topic.id, isInternal: topic.isInternal, partitions: partitions
        )
    }
}
