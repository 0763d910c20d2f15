import KafkaProtocol

extension LogManager {
    /// Creates a topic and its partition directories. The metadata file is written first: a crash
    /// midway leaves a topic whose missing partitions the next start creates.
    public func createTopic(name: String, partitions: Int32, config: [String: String]) throws -> TopicMetadata {
        try TopicMetadata.validate(name: name)
        guard partitions > 0 else { throw LogError.invalidPartitionCount(topic: name, requested: partitions, current: 0) }
        let topicConfig = try Self.topicConfig(defaultConfig, config)
        return try adminLock.withLock {
            try checkRunning()
            guard topic(named: name) == nil else { throw LogError.topicAlreadyExists(name) }
            let metadata = TopicMetadata(name: name, id: .random(), partitionCount: partitions, configOverrides: config)
            try writeMetadata(metadata)
            do {
                let logs = try openNewPartitions(metadata, range: 0..<partitions, config: topicConfig)
                catalogLock.withLock { catalog[name] = TopicState(metadata: metadata, config: topicConfig, partitions: logs) }
            } catch {
                try? FileSystem.removeFile(metadataPath(name))
                throw error
            }
            logger.info("created topic", metadata: ["topic": "\(name)", "id": "\(metadata.id)", "partitions": "\(partitions)"])
            warnIfCompactionExpected(name, topicConfig)
            return metadata
        }
    }

    /// Deletes a topic: its metadata file first (so a crash midway cannot resurrect it), then each
    /// partition directory (renamed aside, then removed).
    public func deleteTopic(name: String) throws {
        try adminLock.withLock {
            try checkRunning()
            guard let state = catalogLock.withLock({ catalog[name] }) else { throw LogError.unknownTopic(name) }
            try FileSystem.removeFile(metadataPath(name))
            try FileSystem.syncDirectory(metadataDirectory)
            catalogLock.withLock { catalog[name] = nil }
            for log in state.partitions { try log.delete() }
            logger.info("deleted topic", metadata: ["topic": "\(name)"])
        }
    }

    /// Grows a topic to `totalCount` partitions (Kafka never shrinks one).
    public func addPartitions(topic name: String, totalCount: Int32) throws {
        try adminLock.withLock {
            try checkRunning()
            guard var state = catalogLock.withLock({ catalog[name] }) else { throw LogError.unknownTopic(name) }
            let current = state.metadata.partitionCount
            guard totalCount > current else {
                throw LogError.invalidPartitionCount(topic: name, requested: totalCount, current: current)
            }
            state.metadata.partitionCount = totalCount
            try writeMetadata(state.metadata)
            state.partitions += try openNewPartitions(state.metadata, range: current..<totalCount, config: state.config)
            catalogLock.withLock { catalog[name] = state }
            logger.info("added partitions", metadata: ["topic": "\(name)", "partitions": "\(totalCount)"])
        }
    }

    /// Replaces the topic's overrides with `config`; every partition uses the new settings from its
    /// next append, roll or retention run.
    public func setConfig(topic name: String, config: [String: String]) throws {
        let topicConfig = try Self.topicConfig(defaultConfig, config)
        try adminLock.withLock {
            try checkRunning()
            guard var state = catalogLock.withLock({ catalog[name] }) else { throw LogError.unknownTopic(name) }
            state.metadata.configOverrides = config
            state.config = topicConfig
            try writeMetadata(state.metadata)
            for log in state.partitions { try log.updateConfig(topicConfig) }
            catalogLock.withLock { catalog[name] = state }
            warnIfCompactionExpected(name, topicConfig)
        }
    }

    /// Compaction is not implemented: a client that asks for it (Kafka Streams changelogs, Connect
    /// offsets) would otherwise learn only from a disk that fills. Internal topics are the broker's own.
    private func warnIfCompactionExpected(_ topic: String, _ config: LogConfig) {
        guard config.cleanupPolicy.contains(.compact), !topic.hasPrefix("__") else { return }
        let keeps = config.cleanupPolicy.contains(.delete)
            ? "segments are deleted by retention.ms/retention.bytes only"
            : "every record is kept; add delete to cleanup.policy and set retention.ms or retention.bytes to bound it"
        logger.warning(
            "topic \(topic) has cleanup.policy=\(config.cleanupPolicy), but this broker does not compact logs yet: \(keeps)",
            metadata: ["topic": "\(topic)"])
    }

    // MARK: Helpers

    func metadataPath(_ topic: String) -> String {
        FileSystem.join(metadataDirectory, topic + ".json")
    }

    private func writeMetadata(_ metadata: TopicMetadata) throws {
        try FileSystem.writeAtomically(metadataPath(metadata.name), contents: try TopicMetadataFile.encode(metadata))
    }

    private func checkRunning() throws {
        if isShutDown { throw LogError.shutDown(dataDirectory: options.dataDirectory) }
    }

    /// Opens fresh partitions; a directory left from an earlier topic of the same name is removed
    /// first so its data cannot reappear.
    private func openNewPartitions(_ metadata: TopicMetadata, range: Range<Int32>, config: LogConfig) throws -> [PartitionLog] {
        var opened: [PartitionLog] = []
        do {
            for index in range {
                let partition = TopicPartition(topic: metadata.name, partition: PartitionIndex(index))
                let directory = FileSystem.join(options.dataDirectory, partition.directoryName)
                if FileSystem.exists(directory) { try FileSystem.removeRecursively(directory) }
                opened.append(try Self.openPartition(partition, options: options, config: config, flusher: flusher, logger: logger))
            }
            return opened
        } catch {
            for log in opened { try? log.delete() }
            throw error
        }
    }
}
