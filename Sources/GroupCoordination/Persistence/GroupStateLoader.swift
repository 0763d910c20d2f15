import KafkaProtocol
import KafkaRecords

/// Rebuilds groups and committed offsets from `__consumer_offsets` at broker start, as Kafka's
/// loadGroupsAndOffsets does: records are applied in offset order, later records replace earlier
/// ones with the same key, and tombstones delete. Feed it every partition, then make the coordinator.
public struct GroupStateLoader: Sendable {
    private var metadata: [String: GroupMetadataValue] = [:]
    private var offsets: [String: [OffsetKey: CommittedOffset]] = [:]
    /// Records of kinds this coordinator does not keep (written by newer Kafka coordinators), skipped.
    public private(set) var skippedRecords = 0

    public init() {}

    /// Applies one record of `__consumer_offsets-<partition>` at `offset` (used in errors only).
    public mutating func apply(_ record: CoordinatorRecord, partition: PartitionIndex, offset: Offset) throws {
        let content: CoordinatorRecordContent
        do {
            content = try record.decode()
        } catch {
            throw GroupStateLoadError(partition: partition, offset: offset, reason: "\(error)")
        }
        switch content {
        case .offsetCommit(let groupID, let key, let committed):
            offsets[groupID, default: [:]][key] = committed
        case .groupMetadata(let groupID, let value):
            metadata[groupID] = value
        case .unknown:
            skippedRecords += 1
        }
    }

    /// Applies every record of a batch read from `__consumer_offsets-<partition>`. Control batches
    /// (transaction markers) carry no group state and are skipped.
    public mutating func apply(_ batch: RecordBatch, partition: PartitionIndex) throws {
        guard !batch.header.attributes.isControl else { return }
        for record in batch.records {
            guard let key = record.key else {
                throw GroupStateLoadError(partition: partition, offset: batch.offset(of: record), reason: "record has no key")
            }
            try apply(CoordinatorRecord(key: key, value: record.value), partition: partition, offset: batch.offset(of: record))
        }
    }

    /// The coordinator with every group that has metadata or offsets; loaded members must
    /// heartbeat within their session timeout from `now`.
    public func makeCoordinator(config: GroupCoordinatorConfig, now: Int64) -> GroupCoordinator {
        let groupIDs = Set(metadata.keys).union(offsets.keys).sorted()
        let groups = groupIDs.compactMap { groupID -> ClassicGroup? in
            let groupOffsets = offsets[groupID] ?? [:]
            var group = metadata[groupID].map { ClassicGroup.loaded(groupID: groupID, from: $0) }
            if group == nil && !groupOffsets.isEmpty { group = ClassicGroup(groupID: groupID, now: nil) }
            group?.offsets = groupOffsets
            return group
        }
        return GroupCoordinator(config: config, loadedGroups: groups, now: now)
    }
}

/// A `__consumer_offsets` record that cannot be read.
public struct GroupStateLoadError: Error, CustomStringConvertible {
    public let partition: PartitionIndex
    public let offset: Offset
    public let reason: String

    public var description: String {
        "cannot load group state from \(OffsetsTopic.name)-\(partition.rawValue) at offset \(offset.rawValue): \(reason)"
    }
}
