import CRdKafka

extension KafkaAdmin {
    /// The oldest and next offsets of one partition, asked of its leader.
    public func watermarkOffsets(_ partition: TopicPartition, timeout: Duration = .seconds(10)) async throws -> WatermarkOffsets {
        let client = client
        return try await BlockingCalls.run { () throws(KafkaError) -> WatermarkOffsets in
            var low: Int64 = -1
            var high: Int64 = -1
            try client.check(
                rd_kafka_query_watermark_offsets(client.handle, partition.topic, partition.partition, &low, &high, timeout.timeoutMilliseconds),
                "reading watermark offsets of \(partition)")
            return WatermarkOffsets(low: low, high: high)
        }
    }

    /// Watermarks of every partition of `topic`; throws UNKNOWN_TOPIC_OR_PART if it does not exist.
    public func watermarkOffsets(topic: String, timeout: Duration = .seconds(10)) async throws -> [TopicPartition: WatermarkOffsets] {
        let description = try await describeTopic(topic, timeout: timeout)
        var result: [TopicPartition: WatermarkOffsets] = [:]
        for partition in description.partitions {
            let key = TopicPartition(topic: topic, partition: partition.partition)
            result[key] = try await watermarkOffsets(key, timeout: timeout)
        }
        return result
    }

    /// For each partition, the offset of the first record whose timestamp is at or after the given
    /// time, or nil when there is none (the time is after the last record).
    public func offsets(forTimes times: [TopicPartition: KafkaTimestamp], timeout: Duration = .seconds(10)) async throws -> [TopicPartition: Int64?] {
        let client = client
        return try await BlockingCalls.run { () throws(KafkaError) -> [TopicPartition: Int64?] in
            let list = PartitionList(times.mapValues(\.milliseconds))
            try client.check(rd_kafka_offsets_for_times(client.handle, list.pointer, timeout.timeoutMilliseconds), "looking up offsets for times")
            let entries = partitionListEntries(list.pointer)
            if let failure = firstPartitionError(entries, doing: "looking up the offset for a time in") { throw client.explain(failure) }
            return Dictionary(uniqueKeysWithValues: entries.map { ($0.topicPartition, $0.offset >= 0 ? $0.offset : nil) })
        }
    }

    /// Per partition the group committed to or is assigned: committed offset, end offset and lag.
    public func consumerGroupLag(group: String, timeout: Duration = .seconds(10)) async throws -> [PartitionLag] {
        let description = try await describeConsumerGroup(group, timeout: timeout)
        let committed = try await committedOffsets(group: group, timeout: timeout)
        var owners: [TopicPartition: ConsumerGroupMember] = [:]
        for member in description.members {
            for partition in member.assignment { owners[partition] = member }
        }
        var lags: [PartitionLag] = []
        for partition in Set(committed.keys).union(owners.keys).sorted() {
            let end = try await watermarkOffsets(partition, timeout: timeout).high
            let offset = committed[partition]
            lags.append(PartitionLag(
                topicPartition: partition, committedOffset: offset, endOffset: end,
                lag: offset.map { max(0, end - $0) }, member: owners[partition]))
        }
        return lags
    }

    /// Where a reset of `group` on every partition of `topic` would move its offsets; pass the plan's
    /// offsets to `alterConsumerGroupOffsets` to carry it out.
    public func planOffsetReset(group: String, topic: String, to target: OffsetResetTarget, timeout: Duration = .seconds(10)) async throws -> [OffsetResetPlan] {
        let watermarks = try await watermarkOffsets(topic: topic, timeout: timeout)
        let committed = try await committedOffsets(group: group, partitions: Array(watermarks.keys), timeout: timeout)
        var targets: [TopicPartition: Int64] = [:]
        switch target {
        case .earliest:
            targets = watermarks.mapValues(\.low)
        case .latest:
            targets = watermarks.mapValues(\.high)
        case .timestamp(let time):
            let found = try await offsets(forTimes: watermarks.mapValues { _ in time }, timeout: timeout)
            for (partition, marks) in watermarks { targets[partition] = (found[partition] ?? nil) ?? marks.high }
        }
        return targets.keys.sorted().map { partition in
            OffsetResetPlan(topicPartition: partition, currentOffset: committed[partition], newOffset: targets[partition] ?? 0)
        }
    }
}
