import KafkaClient
import LagHealth

/// Builds what every page and API endpoint shows: a live read of the cluster, combined with the
/// sampler's history (produce rates, lag verdicts). Numbers of offsets and lag are always live, so
/// they equal what the cluster reports at the time of the request.
struct ClusterReader: Sendable {
    let reads: KafkaReads
    let store: SampleStore
    let bootstrap: String
    let samplingInterval: Duration

    func overview() async throws -> ClusterOverview {
        let cluster = try await reads.cluster()
        let topics = try await summaries(cluster.operatorTopics)
        return ClusterOverview(
            bootstrap: bootstrap,
            brokers: cluster.brokers.map { BrokerInfo($0, leaderPartitions: cluster.leaderCount(of: $0.id)) },
            topics: topics,
            partitionCount: topics.reduce(0) { $0 + $1.partitions },
            recordCount: topics.reduce(0) { $0 + $1.records },
            sampling: await samplingStatus())
    }

    func topics() async throws -> [TopicSummary] {
        try await summaries(reads.cluster().operatorTopics)
    }

    func topic(_ name: String) async throws -> TopicDetail {
        let description = try await reads.topic(name)
        let watermarks = try await reads.watermarks(of: [description])
        let configs = try await reads.admin.describeConfigs(.topic(name), timeout: reads.timeout)
        let summary = await summary(description, watermarks: watermarks, retention: Retention(configs))
        var partitions: [PartitionInfo] = []
        for partition in description.partitions {
            let key = TopicPartition(topic: name, partition: partition.partition)
            partitions.append(PartitionInfo(
                partition: partition, watermarks: watermarks[key] ?? WatermarkOffsets(low: 0, high: 0), produceRate: await store.produceRate(key)))
        }
        return TopicDetail(
            summary: summary, partitions: partitions,
            configOverrides: configs.filter(\.isTopicOverride).map { ConfigInfo(name: $0.name, value: $0.isSensitive ? nil : $0.value, source: $0.source) })
    }

    func samplingStatus() async -> SamplingStatus {
        await store.status(intervalSeconds: Double(samplingInterval.components.seconds) + Double(samplingInterval.components.attoseconds) / 1e18)
    }

    // MARK: Groups

    func groups() async throws -> [GroupSummary] {
        let cluster = try await reads.cluster()
        let states = try await reads.groups()
        let ends = try await reads.watermarks(Array(Set(states.flatMap(\.partitions)).intersection(cluster.allPartitions)))
        let now = nowMilliseconds()
        var summaries: [GroupSummary] = []
        for state in states {
            summaries.append(summary(state, ends: ends, verdict: await store.verdicts(group: state.description.groupID, now: now).group))
        }
        return summaries
    }

    func group(_ id: String) async throws -> GroupDetail {
        let state = try await reads.group(id)
        guard state.exists else {
            throw ConsoleError.notFound("consumer group '\(id)' does not exist")
        }
        let cluster = try await reads.cluster()
        let ends = try await reads.watermarks(Array(Set(state.partitions).intersection(cluster.allPartitions)))
        let verdicts = await store.verdicts(group: id, now: nowMilliseconds())
        let owners = state.owners
        let rows = state.partitions.map { partition in
            let committed = state.committed[partition]
            let end = ends[partition]?.high
            let verdict = verdicts.partitions[partition]
            let member = owners[partition]
            return GroupPartitionInfo(
                topic: partition.topic, partition: partition.partition, committedOffset: committed, endOffset: end,
                lag: Self.lag(committed: committed, end: end), memberID: member?.memberID, clientID: member?.clientID, host: member?.host,
                status: verdict?.status ?? .unknown,
                reason: verdict?.reason ?? (committed == nil ? "no committed offset" : end == nil ? "the topic no longer exists" : "not sampled yet"))
        }
        let description = state.description
        return GroupDetail(
            summary: summary(state, ends: ends, verdict: verdicts.group),
            partitionAssignor: description.partitionAssignor,
            coordinator: description.coordinator.map { BrokerInfo($0, leaderPartitions: cluster.leaderCount(of: $0.id)) },
            members: description.members.map {
                MemberInfo(memberID: $0.memberID, clientID: $0.clientID, host: $0.host, groupInstanceID: $0.groupInstanceID, assignment: $0.assignment.map(\.description))
            },
            partitions: rows,
            lagHistory: await store.lagHistory(group: id))
    }

    // MARK: Building blocks

    private func summaries(_ topics: [TopicDescription]) async throws -> [TopicSummary] {
        let watermarks = try await reads.watermarks(of: topics)
        let retention = await reads.retention(of: topics.map(\.name))
        var summaries: [TopicSummary] = []
        for topic in topics {
            summaries.append(await summary(topic, watermarks: watermarks, retention: retention[topic.name] ?? Retention(milliseconds: nil, bytes: nil)))
        }
        return summaries
    }

    private func summary(
        _ topic: TopicDescription, watermarks: [TopicPartition: WatermarkOffsets], retention: Retention
    ) async -> TopicSummary {
        let marks = topic.topicPartitions.compactMap { watermarks[$0] }
        return TopicSummary(
            name: topic.name, partitions: topic.partitions.count, replicationFactor: topic.replicationFactor,
            endOffset: marks.reduce(0) { $0 + $1.high }, records: marks.reduce(0) { $0 + ($1.high - $1.low) },
            retentionMs: retention.milliseconds, retentionBytes: retention.bytes,
            produceRate: await store.produceRate(topic: topic.name, partitions: topic.partitions.map(\.partition)),
            underReplicatedPartitions: topic.partitions.filter { $0.inSyncReplicas.count < $0.replicas.count }.count,
            rateHistory: await store.rateHistory(topic: topic.name))
    }

    private func summary(_ state: GroupState, ends: [TopicPartition: WatermarkOffsets], verdict: GroupVerdict) -> GroupSummary {
        let description = state.description
        let totalLag = state.committed.reduce(Int64(0)) { total, entry in total + (Self.lag(committed: entry.value, end: ends[entry.key]?.high) ?? 0) }
        let waiting = verdict.worstPartition == nil && !state.committed.isEmpty
        return GroupSummary(
            group: description.groupID, state: description.state, type: state.type, members: description.members.count,
            topics: Set(state.partitions.map(\.topic)).sorted(), totalLag: totalLag, status: verdict.status,
            reason: waiting ? "waiting for the sampler's first round" : verdict.reason)
    }

    private static func lag(committed: Int64?, end: Int64?) -> Int64? {
        guard let committed, let end else { return nil }
        return max(0, end - committed)
    }
}

extension BrokerInfo {
    init(_ broker: BrokerDescription, leaderPartitions: Int) {
        self.init(id: broker.id, host: broker.host, port: broker.port, leaderPartitions: leaderPartitions)
    }
}

extension ClusterDescription {
    func leaderCount(of broker: Int32) -> Int {
        topics.reduce(0) { $0 + $1.partitions.filter { $0.leader == broker }.count }
    }
}
