import KafkaProtocol
import LogStorage

/// Config resource types (org.apache.kafka.common.config.ConfigResource.Type).
enum ConfigResourceType {
    static let topic: Int8 = 2
    static let broker: Int8 = 4
}

/// DescribeConfigs for topics (every effective setting, marking overrides) and for this broker.
struct DescribeConfigsHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...4

    func handle(_ request: DescribeConfigsRequest, context: RequestContext) async throws -> HandlerOutcome<DescribeConfigsResponse> {
        let broker = context.broker
        let version = context.apiVersion
        let results = request.resources.map { resource -> DescribeConfigsResponse.DescribeConfigsResult in
            var result = DescribeConfigsResponse.DescribeConfigsResult(
                errorCode: .none, errorMessage: nil, resourceType: resource.resourceType, resourceName: resource.resourceName, configs: [])
            let entries: [(name: String, value: String, source: Int8)]
            switch resource.resourceType {
            case ConfigResourceType.topic:
                guard broker.storage.topic(named: resource.resourceName) != nil else {
                    result.errorCode = .unknownTopicOrPartition
                    result.errorMessage = "topic '\(resource.resourceName)' does not exist"
                    return result
                }
                entries = broker.storage.effectiveConfig(topic: resource.resourceName).map {
                    ($0.name, $0.value, $0.isDefault ? ConfigSource.defaultConfig : ConfigSource.topicConfig)
                }
            case ConfigResourceType.broker:
                guard resource.resourceName.isEmpty || resource.resourceName == String(broker.config.nodeID) else {
                    result.errorCode = .invalidRequest
                    result.errorMessage = "broker \(resource.resourceName) does not exist; this is broker \(broker.config.nodeID)"
                    return result
                }
                entries = Self.brokerEntries(broker.config)
            default:
                result.errorCode = .invalidRequest
                result.errorMessage = "resource type \(resource.resourceType) is not supported; use topic (2) or broker (4)"
                return result
            }
            let wanted = resource.configurationKeys.map(Set.init)
            result.configs = entries.filter { wanted?.contains($0.name) ?? true }.sorted { $0.name < $1.name }.map { entry in
                .init(
                    name: entry.name, value: entry.value, readOnly: resource.resourceType == ConfigResourceType.broker,
                    isDefault: entry.source == ConfigSource.defaultConfig, configSource: entry.source, isSensitive: false,
                    synonyms: version >= 1 && request.includeSynonyms ? [.init(name: entry.name, value: entry.value, source: entry.source)] : [])
            }
            return result
        }
        return .now(DescribeConfigsResponse(results: results))
    }

    static func brokerEntries(_ config: BrokerConfig) -> [(name: String, value: String, source: Int8)] {
        var entries: [(String, String, Int8)] = [
            ("node.id", String(config.nodeID), ConfigSource.staticBrokerConfig),
            ("log.dirs", config.dataDirectory, ConfigSource.staticBrokerConfig),
            ("auto.create.topics.enable", String(config.autoCreateTopics), ConfigSource.staticBrokerConfig),
            ("num.partitions", String(config.defaultPartitions), ConfigSource.staticBrokerConfig),
            ("message.max.bytes", String(config.messageMaxBytes), ConfigSource.staticBrokerConfig),
            ("socket.request.max.bytes", String(config.socketRequestMaxBytes), ConfigSource.staticBrokerConfig),
            ("delete.topic.enable", String(config.deleteTopicEnable), ConfigSource.staticBrokerConfig),
        ]
        let brokerNames = Dictionary(uniqueKeysWithValues: BrokerConfig.topicDefaultKeys.map { ($0.value, $0.key) })
        for (topicKey, value) in config.topicDefaults {
            if let name = brokerNames[topicKey] { entries.append((name, value, ConfigSource.staticBrokerConfig)) }
        }
        return entries
    }
}

/// AlterConfigs (legacy): replaces a topic's whole set of overrides.
struct AlterConfigsHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...2

    func handle(_ request: AlterConfigsRequest, context: RequestContext) async throws -> HandlerOutcome<AlterConfigsResponse> {
        let broker = context.broker
        let responses: [AlterConfigsResponse.AlterConfigsResourceResponse] = try await broker.io {
            request.resources.map { resource in
                var config: [String: String] = [:]
                for entry in resource.configs {
                    if let value = entry.value { config[entry.name] = value }
                }
                let (code, message) = TopicConfigChange.apply(
                    config, to: resource.resourceType, named: resource.resourceName, validateOnly: request.validateOnly, broker: broker)
                return .init(errorCode: code, errorMessage: message, resourceType: resource.resourceType, resourceName: resource.resourceName)
            }
        }
        return .now(AlterConfigsResponse(responses: responses))
    }
}

/// IncrementalAlterConfigs: set, delete, append to or subtract from individual topic settings.
struct IncrementalAlterConfigsHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...1

    enum Operation: Int8 {
        case set = 0, delete = 1, append = 2, subtract = 3
    }

    func handle(_ request: IncrementalAlterConfigsRequest, context: RequestContext) async throws -> HandlerOutcome<IncrementalAlterConfigsResponse> {
        let broker = context.broker
        let responses: [IncrementalAlterConfigsResponse.AlterConfigsResourceResponse] = try await broker.io {
            request.resources.map { resource in
                func reply(_ code: ErrorCode, _ message: String?) -> IncrementalAlterConfigsResponse.AlterConfigsResourceResponse {
                    .init(errorCode: code, errorMessage: message, resourceType: resource.resourceType, resourceName: resource.resourceName)
                }
                guard let topic = broker.storage.topic(named: resource.resourceName) else {
                    return resource.resourceType == ConfigResourceType.topic
                        ? reply(.unknownTopicOrPartition, "topic '\(resource.resourceName)' does not exist")
                        : reply(.invalidRequest, "only topic configs can be altered")
                }
                var config = topic.configOverrides
                for entry in resource.configs {
                    guard let operation = Operation(rawValue: entry.configOperation) else {
                        return reply(.invalidRequest, "unknown config operation \(entry.configOperation) for \(entry.name)")
                    }
                    let items = { (text: String?) in (text ?? "").split(separator: ",").map(String.init) }
                    switch operation {
                    case .set: config[entry.name] = entry.value
                    case .delete: config[entry.name] = nil
                    case .append: config[entry.name] = (items(config[entry.name]) + items(entry.value)).joined(separator: ",")
                    case .subtract:
                        let removed = Set(items(entry.value))
                        config[entry.name] = items(config[entry.name]).filter { !removed.contains($0) }.joined(separator: ",")
                    }
                }
                let (code, message) = TopicConfigChange.apply(
                    config, to: resource.resourceType, named: resource.resourceName, validateOnly: request.validateOnly, broker: broker)
                return reply(code, message)
            }
        }
        return .now(IncrementalAlterConfigsResponse(responses: responses))
    }
}

/// The shared end of both alter-configs APIs: validate, then store the topic's new overrides.
enum TopicConfigChange {
    static func apply(_ config: [String: String], to type: Int8, named name: String, validateOnly: Bool, broker: BrokerCore) -> (ErrorCode, String?) {
        guard type == ConfigResourceType.topic else {
            return (.invalidRequest, "only topic configs can be altered; broker settings come from the config file")
        }
        guard broker.storage.topic(named: name) != nil else {
            return (.unknownTopicOrPartition, "topic '\(name)' does not exist")
        }
        do {
            try broker.storage.validate(config: config)
            if !validateOnly {
                try broker.storage.setConfig(topic: name, config: config)
                broker.logger.info("topic \(name) config is now \(config)")
            }
            return (.none, nil)
        } catch {
            return (.invalidConfig, "\(error)")
        }
    }
}

/// DescribeCluster: this broker, as the whole cluster and its controller.
struct DescribeClusterHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...1

    func handle(_ request: DescribeClusterRequest, context: RequestContext) async throws -> HandlerOutcome<DescribeClusterResponse> {
        let broker = context.broker
        let (host, port) = broker.config.advertisedEndpoint
        return .now(DescribeClusterResponse(
            errorCode: .none, endpointType: request.endpointType, clusterId: broker.clusterID, controllerId: broker.nodeID,
            brokers: [.init(brokerId: broker.nodeID, host: host, port: Int32(port), rack: nil)]))
    }
}
