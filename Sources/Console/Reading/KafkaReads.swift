import Foundation
import KafkaClient

/// A consumer group with what the console shows of it: its listing, members and committed offsets.
struct GroupState: Sendable {
    var description: ConsumerGroupDescription
    var committed: [TopicPartition: Int64]

    var type: String { description.isSimple ? "simple" : "consumer" }

    /// Which member reads each assigned partition.
    var owners: [TopicPartition: ConsumerGroupMember] {
        var owners: [TopicPartition: ConsumerGroupMember] = [:]
        for member in description.members {
            for partition in member.assignment { owners[partition] = member }
        }
        return owners
    }

    /// Partitions with a commit or an owner, sorted.
    var partitions: [TopicPartition] { Set(committed.keys).union(owners.keys).sorted() }

    /// The group exists for the cluster: it has members or committed offsets. Kafka describes an
    /// unknown group id as an empty Dead group rather than failing.
    var exists: Bool { !description.members.isEmpty || !committed.isEmpty || description.state != "Dead" }
}

/// The cluster reads the console needs, each bounded by `timeout`, shared by the live pages and the
/// background sampler. Watermarks are read concurrently, at most `concurrency` at a time.
struct KafkaReads: Sendable {
    let admin: KafkaAdmin
    let timeout: Duration
    var concurrency = 8

    /// Brokers and every topic, internal ones included.
    func cluster() async throws -> ClusterDescription {
        try await admin.describeCluster(timeout: timeout)
    }

    func topic(_ name: String) async throws -> TopicDescription {
        try await admin.describeTopic(name, timeout: timeout)
    }

    /// Watermarks of each partition; a partition whose topic was deleted since the cluster was
    /// described is left out rather than failing the whole read.
    func watermarks(_ partitions: [TopicPartition]) async throws -> [TopicPartition: WatermarkOffsets] {
        let found = try await concurrently(partitions) { [admin, timeout] partition -> WatermarkOffsets? in
            do {
                return try await admin.watermarkOffsets(partition, timeout: timeout)
            } catch let error as KafkaError where error.isMissingTopic {
                return nil
            }
        }
        return found.compactMapValues { $0 }
    }

    func watermarks(of topics: [TopicDescription]) async throws -> [TopicPartition: WatermarkOffsets] {
        try await watermarks(topics.flatMap(\.topicPartitions))
    }

    /// `retention.ms` and `retention.bytes` of each topic; a topic whose configuration cannot be read
    /// is left out, so one unreadable topic never hides the others.
    func retention(of topics: [String]) async -> [String: Retention] {
        // The body never throws, so neither does the whole.
        let configs = (try? await concurrently(topics) { [admin, timeout] topic in
            try? await admin.describeConfigs(.topic(topic), timeout: timeout)
        }) ?? [:]
        return configs.compactMapValues { $0.map(Retention.init) }
    }

    /// Every consumer group with its members and committed offsets.
    func groups() async throws -> [GroupState] {
        let ids = try await admin.listConsumerGroups(timeout: timeout).map(\.groupID)
        guard !ids.isEmpty else { return [] }
        let descriptions = try await admin.describeConsumerGroups(ids, timeout: timeout)
        let committed = try await concurrently(descriptions.map(\.groupID)) { [admin, timeout] group in
            try await admin.committedOffsets(group: group, timeout: timeout)
        }
        return descriptions.map { GroupState(description: $0, committed: committed[$0.groupID] ?? [:]) }
            .sorted { $0.description.groupID < $1.description.groupID }
    }

    func group(_ id: String) async throws -> GroupState {
        let description = try await admin.describeConsumerGroup(id, timeout: timeout)
        let committed = try await admin.committedOffsets(group: id, timeout: timeout)
        return GroupState(description: description, committed: committed)
    }

    /// `body` for each input, at most `concurrency` at once; throws the first failure.
    private func concurrently<Input: Hashable & Sendable, Output: Sendable>(
        _ inputs: [Input], _ body: @escaping @Sendable (Input) async throws -> Output
    ) async throws -> [Input: Output] {
        try await withThrowingTaskGroup(of: (Input, Output).self) { group in
            var pending = inputs.makeIterator()
            for _ in 0..<concurrency {
                guard let input = pending.next() else { break }
                group.addTask { (input, try await body(input)) }
            }
            var results: [Input: Output] = [:]
            while let (input, output) = try await group.next() {
                results[input] = output
                if let next = pending.next() { group.addTask { (next, try await body(next)) } }
            }
            return results
        }
    }
}

/// How long and how much a topic keeps: `retention.ms` (-1 forever) and `retention.bytes` (-1
/// unlimited), nil where the configuration does not say.
struct Retention: Sendable, Hashable {
    var milliseconds: Int64?
    var bytes: Int64?

    init(milliseconds: Int64?, bytes: Int64?) {
        self.milliseconds = milliseconds
        self.bytes = bytes
    }

    init(_ entries: [ConfigEntry]) {
        func value(_ name: String) -> Int64? { entries.first { $0.name == name }?.value.flatMap { Int64($0) } }
        self.init(milliseconds: value("retention.ms"), bytes: value("retention.bytes"))
    }
}

extension ClusterDescription {
    /// The topics an operator works with: internal (`__…`) topics left out.
    var operatorTopics: [TopicDescription] { topics.filter { !$0.name.hasPrefix("__") } }

    /// Every partition of every topic, internal ones included.
    var allPartitions: Set<TopicPartition> { Set(topics.flatMap(\.topicPartitions)) }
}

extension TopicDescription {
    var topicPartitions: [TopicPartition] { partitions.map { TopicPartition(topic: name, partition: $0.partition) } }
}

extension KafkaError {
    /// The topic or partition does not exist (any more).
    var isMissingTopic: Bool { [.unknownTopicOrPartition, .unknownTopic, .unknownPartition].contains(code) }
}

/// Milliseconds since the Unix epoch, the time base of every sample and verdict.
func nowMilliseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
}
