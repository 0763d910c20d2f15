import KafkaProtocol
import LogStorage

/// CreateTopics: one node, so a replication factor above 1 is refused with a message that says so.
struct CreateTopicsHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...7

    func handle(_ request: CreateTopicsRequest, context: RequestContext) async throws -> HandlerOutcome<CreateTopicsResponse> {
        let broker = context.broker
        let version = context.apiVersion
        let results: [CreateTopicsResponse.CreatableTopicResult] = try await broker.io {
            request.topics.map { topic in
                var result = CreateTopicsResponse.CreatableTopicResult(name: topic.name, errorCode: .none)
                func fail(_ code: ErrorCode, _ message: String) -> CreateTopicsResponse.CreatableTopicResult {
                    result.errorCode = code
                    result.errorMessage = message
                    return result
                }
                if let problem = TopicName.validationError(topic.name) {
                    return fail(.invalidTopicException, problem)
                }
                if broker.storage.topic(named: topic.name) != nil {
                    return fail(.topicAlreadyExists, "topic '\(topic.name)' already exists")
                }
                let partitions = topic.numPartitions == -1 ? broker.config.defaultPartitions : topic.numPartitions
                guard partitions >= 1 || !topic.assignments.isEmpty else {
                    return fail(.invalidPartitions, "number of partitions must be at least 1, got \(topic.numPartitions)")
                }
                guard topic.replicationFactor == -1 || topic.replicationFactor == 1 || !topic.assignments.isEmpty else {
                    return fail(.invalidReplicationFactor, "replication factor \(topic.replicationFactor) is larger than the 1 available broker")
                }
                if let foreign = topic.assignments.flatMap(\.brokerIds).first(where: { $0 != broker.config.nodeID }) {
                    return fail(.invalidReplicaAssignment, "broker \(foreign) does not exist; this cluster has only broker \(broker.config.nodeID)")
                }
                let count = topic.assignments.isEmpty ? partitions : Int32(topic.assignments.count)
                var config: [String: String] = [:]
                for entry in topic.configs {
                    config[entry.name] = entry.value
                }
                do {
                    try broker.storage.validate(config: config)
                    if request.validateOnly {
                        result.numPartitions = count
                        result.replicationFactor = 1
                        return result
                    }
                    let created = try broker.storage.createTopic(name: topic.name, partitions: count, config: config)
                    broker.logger.info("created topic \(topic.name) with \(count) partition(s)\(config.isEmpty ? "" : " and config \(config)")")
                    result.topicId = created.id
                    result.numPartitions = created.partitionCount
                    result.replicationFactor = 1
                    if version >= 5 {
                        result.configs = broker.storage.effectiveConfig(topic: topic.name).map {
                            .init(name: $0.name, value: $0.value, readOnly: false, configSource: $0.isDefault ? ConfigSource.defaultConfig : ConfigSource.topicConfig, isSensitive: false)
                        }
                    }
                    return result
                } catch {
                    return fail(.invalidConfig, "\(error)")
                }
            }
        }
        return .now(CreateTopicsResponse(topics: results))
    }
}

/// DeleteTopics, by name (v0–5) or by topic id (v6).
struct DeleteTopicsHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...6

    func handle(_ request: DeleteTopicsRequest, context: RequestContext) async throws -> HandlerOutcome<DeleteTopicsResponse> {
        let broker = context.broker
        let wanted: [(name: String?, id: KafkaUUID)] = context.apiVersion >= 6
            ? request.topics.map { ($0.name, $0.topicId) }
            : request.topicNames.map { ($0, KafkaUUID.zero) }
        let results: [DeleteTopicsResponse.DeletableTopicResult] = try await broker.io {
            wanted.map { target in
                let topic = target.name.flatMap { broker.storage.topic(named: $0) }
                    ?? (target.name == nil ? broker.storage.topic(id: target.id) : nil)
                guard let topic else {
                    let code: ErrorCode = target.name == nil ? .unknownTopicID : .unknownTopicOrPartition
                    return .init(name: target.name, topicId: target.id, errorCode: code, errorMessage: "topic does not exist")
                }
                guard broker.config.deleteTopicEnable else {
                    return .init(name: topic.name, topicId: topic.id, errorCode: .topicDeletionDisabled, errorMessage: "delete.topic.enable is false")
                }
                do {
                    try broker.storage.deleteTopic(name: topic.name)
                    broker.logger.info("deleted topic \(topic.name)")
                    return .init(name: topic.name, topicId: topic.id, errorCode: .none)
                } catch {
                    return .init(name: topic.name, topicId: topic.id, errorCode: .kafkaStorageError, errorMessage: "\(error)")
                }
            }
        }
        return .now(DeleteTopicsResponse(responses: results))
    }
}

/// CreatePartitions: grows a topic; partitions can never shrink, as in Kafka.
struct CreatePartitionsHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...3

    func handle(_ request: CreatePartitionsRequest, context: RequestContext) async throws -> HandlerOutcome<CreatePartitionsResponse> {
        let broker = context.broker
        let results: [CreatePartitionsResponse.CreatePartitionsTopicResult] = try await broker.io {
            request.topics.map { topic in
                guard let existing = broker.storage.topic(named: topic.name) else {
                    return .init(name: topic.name, errorCode: .unknownTopicOrPartition, errorMessage: "topic '\(topic.name)' does not exist")
                }
                guard topic.count > existing.partitionCount else {
                    return .init(name: topic.name, errorCode: .invalidPartitions,
                                  errorMessage: "topic '\(topic.name)' has \(existing.partitionCount) partitions; the new count \(topic.count) must be larger")
                }
                if request.validateOnly { return .init(name: topic.name, errorCode: .none) }
                do {
                    try broker.storage.addPartitions(topic: topic.name, totalCount: topic.count)
                    broker.logger.info("topic \(topic.name) now has \(topic.count) partitions")
                    return .init(name: topic.name, errorCode: .none)
                } catch {
                    return .init(name: topic.name, errorCode: .kafkaStorageError, errorMessage: "\(error)")
                }
            }
        }
        return .now(CreatePartitionsResponse(results: results))
    }
}

/// DescribeConfigs' config source codes.
enum ConfigSource {
    static let topicConfig: Int8 = 1
    static let staticBrokerConfig: Int8 = 4
    static let defaultConfig: Int8 = 5
}
