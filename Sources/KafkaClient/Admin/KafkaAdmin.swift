import CRdKafka
import Logging

/// Cluster administration over librdkafka: topics, configs, consumer groups and offsets.
///
/// Guarantees: every call is bounded by its `timeout` and throws a `KafkaError` naming the topic,
/// group or partition on failure (an unreachable cluster reports the last broker error, e.g. a
/// refused connection). Requests run on dedicated threads, never the Swift cooperative pool. The
/// admin client never creates topics as a side effect of looking them up.
public final class KafkaAdmin: Sendable {
    let client: NativeClient
    private let pollThread: PollThread

    public init(config: KafkaConfig, logger: Logger = Logger(label: "logport.kafka.admin")) throws {
        var config = config
        if config["allow.auto.create.topics"] == nil { config["allow.auto.create.topics"] = "false" }
        let client = try NativeClient(type: RD_KAFKA_PRODUCER, config: config, callbacks: ClientCallbacks(logger: logger))
        self.client = client
        // Serves error callbacks, which remember why the cluster may be unreachable.
        pollThread = PollThread(name: "kafka-admin") { _ in rd_kafka_poll(client.handle, 100) }
    }

    deinit {
        let pollThread = pollThread
        BlockingCalls.runDetached { pollThread.stop() }
    }

    /// Stops the client's poll thread; the admin client must not be used afterwards.
    public func close() async {
        _ = try? await BlockingCalls.run { [pollThread] in pollThread.stop() }
    }

    // MARK: Topics

    public func createTopic(_ topic: NewTopic, timeout: Duration = .seconds(10)) async throws {
        try await createTopics([topic], timeout: timeout)
    }

    /// Creates the topics; throws the first failure (e.g. TOPIC_ALREADY_EXISTS) naming its topic.
    public func createTopics(_ topics: [NewTopic], timeout: Duration = .seconds(10)) async throws {
        let client = client
        try await client.adminRequest("creating topic(s) \(topics.map(\.name))", timeout: timeout) { options, queue throws(KafkaError) in
            var requests: [OpaquePointer?] = []
            defer { rd_kafka_NewTopic_destroy_array(&requests, requests.count) }
            for topic in topics {
                var text = ErrorTextBuffer()
                guard let request = rd_kafka_NewTopic_new(
                    topic.name, topic.partitions ?? -1, topic.replicationFactor.map { Int32($0) } ?? -1,
                    &text.bytes, text.bytes.count)
                else {
                    throw KafkaError(code: .invalidArgument, message: text.text, context: "creating topic \(topic.name)")
                }
                requests.append(request)
                for (key, value) in topic.config.sorted(by: { $0.key < $1.key }) {
                    try client.check(rd_kafka_NewTopic_set_config(request, key, value), "setting \(key)=\(value) on new topic \(topic.name)")
                }
            }
            rd_kafka_CreateTopics(client.handle, &requests, requests.count, options, queue)
        } parse: { event throws(KafkaError) in
            var count = 0
            let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
            try checkTopicResults(objects(results, count: count), "creating topic")
        }
    }

    /// Deletes the topics; throws the first failure (e.g. UNKNOWN_TOPIC_OR_PART) naming its topic.
    public func deleteTopics(_ names: [String], timeout: Duration = .seconds(10)) async throws {
        let client = client
        try await client.adminRequest("deleting topic(s) \(names)", timeout: timeout) { options, queue in
            var requests: [OpaquePointer?] = names.map { rd_kafka_DeleteTopic_new($0) }
            defer { rd_kafka_DeleteTopic_destroy_array(&requests, requests.count) }
            rd_kafka_DeleteTopics(client.handle, &requests, requests.count, options, queue)
        } parse: { event throws(KafkaError) in
            var count = 0
            let results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count)
            try checkTopicResults(objects(results, count: count), "deleting topic")
        }
    }

    /// Grows `topic` to `totalCount` partitions (Kafka never shrinks a topic).
    public func createPartitions(topic: String, totalCount: Int, timeout: Duration = .seconds(10)) async throws {
        let client = client
        try await client.adminRequest("adding partitions to topic \(topic)", timeout: timeout) { options, queue throws(KafkaError) in
            var text = ErrorTextBuffer()
            guard let request = rd_kafka_NewPartitions_new(topic, totalCount, &text.bytes, text.bytes.count) else {
                throw KafkaError(code: .invalidArgument, message: text.text, context: "adding partitions to topic \(topic)")
            }
            var requests: [OpaquePointer?] = [request]
            defer { rd_kafka_NewPartitions_destroy_array(&requests, requests.count) }
            rd_kafka_CreatePartitions(client.handle, &requests, requests.count, options, queue)
        } parse: { event throws(KafkaError) in
            var count = 0
            let results = rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(event), &count)
            try checkTopicResults(objects(results, count: count), "adding partitions to topic")
        }
    }

    /// Brokers and every topic (internal `__` topics included), sorted by name.
    public func describeCluster(timeout: Duration = .seconds(10)) async throws -> ClusterDescription {
        let client = client
        return try await BlockingCalls.run { () throws(KafkaError) -> ClusterDescription in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            try client.check(rd_kafka_metadata(client.handle, 1, nil, &metadata, timeout.timeoutMilliseconds), "reading cluster metadata")
            guard let metadata else { throw KafkaError(code: .invalidArgument, message: "librdkafka returned no metadata", context: "reading cluster metadata") }
            defer { rd_kafka_metadata_destroy(metadata) }
            return ClusterDescription(metadata.pointee)
        }
    }

    /// Every topic, sorted by name; internal topics (named `__…`) only when asked for.
    public func listTopics(includeInternal: Bool = false, timeout: Duration = .seconds(10)) async throws -> [TopicDescription] {
        try await describeCluster(timeout: timeout).topics.filter { includeInternal || !$0.name.hasPrefix("__") }
    }

    /// One topic's partitions, leaders, replicas and ISR; throws UNKNOWN_TOPIC_OR_PART if it does not exist.
    public func describeTopic(_ name: String, timeout: Duration = .seconds(10)) async throws -> TopicDescription {
        guard let topic = try await describeCluster(timeout: timeout).topics.first(where: { $0.name == name }) else {
            throw KafkaError(code: .unknownTopicOrPartition, message: "topic '\(name)' does not exist", context: "describing topic \(name)")
        }
        return topic
    }
}

extension ClusterDescription {
    init(_ metadata: rd_kafka_metadata) {
        let brokers = (0..<Int(metadata.broker_cnt)).map { BrokerDescription(metadata.brokers[$0]) }
        self.init(
            brokers: brokers.sorted { $0.id < $1.id },
            topics: (0..<Int(metadata.topic_cnt)).map { TopicDescription(metadata.topics[$0]) }.sorted { $0.name < $1.name },
            originatingBroker: brokers.first { $0.id == metadata.orig_broker_id })
    }
}

extension BrokerDescription {
    init(_ broker: rd_kafka_metadata_broker) {
        self.init(id: broker.id, host: string(broker.host) ?? "", port: broker.port)
    }
}

extension TopicDescription {
    init(_ topic: rd_kafka_metadata_topic) {
        self.init(
            name: string(topic.topic) ?? "",
            partitions: (0..<Int(topic.partition_cnt)).map { index in
                let partition = topic.partitions[index]
                return PartitionDescription(
                    partition: partition.id, leader: partition.leader,
                    replicas: Array(UnsafeBufferPointer(start: partition.replicas, count: Int(partition.replica_cnt))),
                    inSyncReplicas: Array(UnsafeBufferPointer(start: partition.isrs, count: Int(partition.isr_cnt))),
                    error: partition.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaErrorCode(partition.err))
            }.sorted { $0.partition < $1.partition })
    }
}
