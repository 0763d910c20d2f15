import CRdKafka
import Foundation

extension KafkaAdmin {
    /// Every consumer group the cluster knows, sorted by id.
    public func listConsumerGroups(timeout: Duration = .seconds(10)) async throws -> [ConsumerGroupListing] {
        let client = client
        return try await client.adminRequest("listing consumer groups", timeout: timeout) { options, queue in
            rd_kafka_ListConsumerGroups(client.handle, options, queue)
        } parse: { event throws(KafkaError) in
            let result = rd_kafka_event_ListConsumerGroups_result(event)
            var errorCount = 0
            let errors = rd_kafka_ListConsumerGroups_result_errors(result, &errorCount)
            // Each error is one broker that could not list its groups: the answer would be incomplete.
            if let error = errors.flatMap({ $0.pointee }) , errorCount > 0 {
                throw KafkaError(borrowing: error, context: "listing consumer groups")
            }
            var count = 0
            let listings = rd_kafka_ListConsumerGroups_result_valid(result, &count)
            return objects(listings, count: count).map { listing in
                ConsumerGroupListing(
                    groupID: string(rd_kafka_ConsumerGroupListing_group_id(listing)) ?? "",
                    state: string(rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(listing))) ?? "Unknown",
                    isSimple: rd_kafka_ConsumerGroupListing_is_simple_consumer_group(listing) != 0)
            }.sorted { $0.groupID < $1.groupID }
        }
    }

    /// Members, their assignments, state and coordinator of each group; throws the first group's
    /// error (e.g. GROUP_ID_NOT_FOUND) naming the group.
    public func describeConsumerGroups(_ groupIDs: [String], timeout: Duration = .seconds(10)) async throws -> [ConsumerGroupDescription] {
        let client = client
        return try await client.adminRequest("describing consumer group(s) \(groupIDs)", timeout: timeout) { options, queue in
            withCStringArray(groupIDs) { names in
                rd_kafka_DescribeConsumerGroups(client.handle, names.baseAddress, names.count, options, queue)
            }
        } parse: { event throws(KafkaError) in
            var count = 0
            let groups = rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(event), &count)
            return try objects(groups, count: count).map { group throws(KafkaError) in try ConsumerGroupDescription(group) }
        }
    }

    public func describeConsumerGroup(_ groupID: String, timeout: Duration = .seconds(10)) async throws -> ConsumerGroupDescription {
        guard let group = try await describeConsumerGroups([groupID], timeout: timeout).first else {
            throw KafkaError(code: .groupIDNotFound, message: "no description returned", context: "describing consumer group \(groupID)")
        }
        return group
    }

    /// The group's committed offsets (each the next offset to read), for `partitions` or, when nil,
    /// every partition it committed. Partitions without a commit are absent.
    public func committedOffsets(group: String, partitions: [TopicPartition]? = nil, timeout: Duration = .seconds(10)) async throws -> [TopicPartition: Int64] {
        let client = client
        return try await client.adminRequest("reading committed offsets of group \(group)", timeout: timeout) { options, queue in
            var requests: [OpaquePointer?]
            if let partitions {
                let list = PartitionList(partitions)
                requests = [rd_kafka_ListConsumerGroupOffsets_new(group, list.pointer)]
            } else {
                requests = [rd_kafka_ListConsumerGroupOffsets_new(group, nil)]
            }
            defer { requests.forEach { $0.map(rd_kafka_ListConsumerGroupOffsets_destroy) } }
            rd_kafka_ListConsumerGroupOffsets(client.handle, &requests, requests.count, options, queue)
        } parse: { event throws(KafkaError) in
            var count = 0
            let results = rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(event), &count)
            let entries = try groupResultEntries(objects(results, count: count), "reading committed offsets of group \(group) for")
            var offsets: [TopicPartition: Int64] = [:]
            for entry in entries where entry.offset >= 0 { offsets[entry.topicPartition] = entry.offset }
            return offsets
        }
    }

    /// Sets the group's committed offsets; the broker refuses (UNKNOWN_MEMBER_ID / non-empty group)
    /// while members are active, as Kafka's own tool requires the group to be inactive.
    public func alterConsumerGroupOffsets(group: String, offsets: [TopicPartition: Int64], timeout: Duration = .seconds(10)) async throws {
        let client = client
        try await client.adminRequest("setting committed offsets of group \(group)", timeout: timeout) { options, queue in
            let list = PartitionList(offsets)
            var requests: [OpaquePointer?] = [rd_kafka_AlterConsumerGroupOffsets_new(group, list.pointer)]
            defer { requests.forEach { $0.map(rd_kafka_AlterConsumerGroupOffsets_destroy) } }
            rd_kafka_AlterConsumerGroupOffsets(client.handle, &requests, requests.count, options, queue)
        } parse: { event throws(KafkaError) in
            var count = 0
            let results = rd_kafka_AlterConsumerGroupOffsets_result_groups(rd_kafka_event_AlterConsumerGroupOffsets_result(event), &count)
            _ = try groupResultEntries(objects(results, count: count), "setting committed offset of group \(group) for")
        }
    }
}

extension ConsumerGroupDescription {
    init(_ group: OpaquePointer) throws(KafkaError) {
        let groupID = string(rd_kafka_ConsumerGroupDescription_group_id(group)) ?? ""
        if let error = rd_kafka_ConsumerGroupDescription_error(group) {
            throw KafkaError(borrowing: error, context: "describing consumer group \(groupID)")
        }
        let members = (0..<rd_kafka_ConsumerGroupDescription_member_count(group)).compactMap { index in
            rd_kafka_ConsumerGroupDescription_member(group, index).map(ConsumerGroupMember.init)
        }
        self.init(
            groupID: groupID,
            state: string(rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(group))) ?? "Unknown",
            partitionAssignor: string(rd_kafka_ConsumerGroupDescription_partition_assignor(group)) ?? "",
            isSimple: rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(group) != 0,
            coordinator: rd_kafka_ConsumerGroupDescription_coordinator(group).map { node in
                BrokerDescription(id: rd_kafka_Node_id(node), host: string(rd_kafka_Node_host(node)) ?? "", port: Int32(rd_kafka_Node_port(node)))
            },
            members: members.sorted { $0.memberID < $1.memberID })
    }
}

extension ConsumerGroupMember {
    init(_ member: OpaquePointer) {
        let assignment = rd_kafka_MemberDescription_assignment(member).flatMap(rd_kafka_MemberAssignment_partitions)
        self.init(
            memberID: string(rd_kafka_MemberDescription_consumer_id(member)) ?? "",
            clientID: string(rd_kafka_MemberDescription_client_id(member)) ?? "",
            host: string(rd_kafka_MemberDescription_host(member)) ?? "",
            groupInstanceID: string(rd_kafka_MemberDescription_group_instance_id(member)),
            assignment: partitionListEntries(assignment).map(\.topicPartition).sorted())
    }
}

/// The partitions of group results (`rd_kafka_group_result_t`), throwing the first group- or
/// partition-level error.
private func groupResultEntries(_ results: [OpaquePointer], _ what: String) throws(KafkaError) -> [PartitionListEntry] {
    var entries: [PartitionListEntry] = []
    for result in results {
        if let error = rd_kafka_group_result_error(result) {
            throw KafkaError(borrowing: error, context: "\(what) group \(string(rd_kafka_group_result_name(result)) ?? "")")
        }
        entries += partitionListEntries(rd_kafka_group_result_partitions(result))
    }
    if let failure = firstPartitionError(entries, doing: what) { throw failure }
    return entries
}

/// Calls `body` with a C array of C strings that live for the call.
private func withCStringArray<Result>(_ strings: [String], _ body: (UnsafeMutableBufferPointer<UnsafePointer<CChar>?>) -> Result) -> Result {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers = copies.map { $0.map { UnsafePointer<CChar>($0) } }
    return pointers.withUnsafeMutableBufferPointer { body($0) }
}
