import KafkaProtocol

/// Committed offsets: commit, delete, expire. Every change is also a record for `__consumer_offsets`.
extension GroupUpdate {
    mutating func commitOffsets(_ input: OffsetCommitInput) -> [PartitionResult] {
        if let error = offsetCommitError(input) {
            return input.partitions.map { PartitionResult(key: $0.key, errorCode: error) }
        }
        switch group.state {
        case .empty:
            return storeOffsets(input)
        case .stable, .preparingRebalance:
            // Commits stay allowed while a rebalance prepares: the member learns of it from its
            // next heartbeat, and its last commit before rejoining must not be lost.
            renewSession(of: input.memberID)
            return storeOffsets(input)
        case .completingRebalance:
            // The member already has the new generation but not its assignment yet.
            return input.partitions.map { PartitionResult(key: $0.key, errorCode: .rebalanceInProgress) }
        case .dead:
            return input.partitions.map { PartitionResult(key: $0.key, errorCode: .coordinatorNotAvailable) }
        }
    }

    /// Kafka's validateOffsetCommit: a client outside group management (generation -1) may commit
    /// only while the group is empty; anyone else must be a current member of this generation.
    private func offsetCommitError(_ input: OffsetCommitInput) -> ErrorCode? {
        if input.generationID < 0 && group.state == .empty { return nil }
        if input.generationID >= 0 || !input.memberID.isEmpty || input.groupInstanceID != nil {
            if let error = group.memberError(memberID: input.memberID, groupInstanceID: input.groupInstanceID) { return error }
            return input.generationID == group.generationID ? nil : .illegalGeneration
        }
        return group.state == .empty ? nil : .unknownMemberID
    }

    private mutating func storeOffsets(_ input: OffsetCommitInput) -> [PartitionResult] {
        let expireTimestamp = input.retentionTimeMs == -1 ? nil : now &+ input.retentionTimeMs
        var records: [CoordinatorRecord] = []
        let results = input.partitions.map { commit in
            let metadata = commit.metadata ?? ""
            guard metadata.utf8.count <= config.offsetMetadataMaxBytes else {
                return PartitionResult(key: commit.key, errorCode: .offsetMetadataTooLarge)
            }
            let offset = CommittedOffset(
                offset: commit.offset, leaderEpoch: commit.leaderEpoch, metadata: metadata, commitTimestamp: now,
                expireTimestamp: expireTimestamp)
            group.offsets[commit.key] = offset
            records.append(.offsetCommit(groupID: group.groupID, key: commit.key, offset: offset))
            return PartitionResult(key: commit.key, errorCode: .none)
        }
        append(records)
        return results
    }

    /// OffsetDelete (KIP-496): an empty group may drop any offset; a consumer group only offsets
    /// of topics none of its members subscribes to.
    mutating func deleteOffsets(_ keys: [OffsetKey]) -> OffsetDeleteResult {
        var eligible: [OffsetKey] = []
        var results: [PartitionResult] = []
        switch group.state {
        case .empty:
            eligible = keys
        case .preparingRebalance, .completingRebalance, .stable:
            guard group.isConsumerGroup else { return OffsetDeleteResult(errorCode: .nonEmptyGroup, partitions: []) }
            for key in keys {
                if group.isSubscribed(to: key.topic) {
                    results.append(PartitionResult(key: key, errorCode: .groupSubscribedToTopic))
                } else {
                    eligible.append(key)
                }
            }
        case .dead:
            return OffsetDeleteResult(errorCode: .groupIDNotFound, partitions: [])
        }
        if !eligible.isEmpty {
            removeOffsets(eligible)
            results += eligible.map { PartitionResult(key: $0, errorCode: .none) }
        }
        return OffsetDeleteResult(errorCode: .none, partitions: results)
    }

    /// Kafka's removeExpiredOffsets. An empty group's offsets expire `offsets.retention` after it
    /// became empty; a stable consumer group's offsets of topics it no longer subscribes to, and a
    /// group that only stores offsets, expire that long after their commit. An offset committed
    /// with its own retention time expires at that time instead.
    mutating func expireOffsets() {
        let retention = config.offsetsRetentionMs
        let stateTimestamp = group.stateTimestamp
        func expired(since base: (CommittedOffset) -> Int64, keeping kept: Set<String> = []) -> [OffsetKey] {
            group.offsets.filter { key, offset in
                guard !kept.contains(key.topic) else { return false }
                if let expireTimestamp = offset.expireTimestamp { return now >= expireTimestamp }
                return now - base(offset) >= retention
            }.map(\.key)
        }
        let keys: [OffsetKey]
        switch (group.protocolType, group.state) {
        case (.some, .empty):
            keys = expired(since: { stateTimestamp ?? $0.commitTimestamp })
        case (let type?, .stable) where type == ConsumerSubscription.protocolType && group.subscribedTopics != nil:
            keys = expired(since: \.commitTimestamp, keeping: group.subscribedTopics ?? [])
        case (nil, _):
            keys = expired(since: \.commitTimestamp)
        default:
            keys = []
        }
        removeOffsets(keys)
    }

    /// Removes offsets and writes their tombstones, in key order. An empty group left without
    /// offsets is deleted, with a tombstone for its metadata unless it never had a generation
    /// (then it only stored offsets).
    mutating func removeOffsets(_ keys: some Sequence<OffsetKey>) {
        var records: [CoordinatorRecord] = []
        for key in keys.sorted() where group.offsets.removeValue(forKey: key) != nil {
            records.append(.offsetTombstone(groupID: group.groupID, key: key))
        }
        if group.state == .empty && group.offsets.isEmpty {
            isDeleted = true
            if group.generationID > 0 { records.append(.groupTombstone(groupID: group.groupID)) }
        }
        append(records)
    }
}
