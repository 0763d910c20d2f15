import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Owns a data directory: the topic catalog, every partition log in it, the shared `LogFlusher`,
/// and the background tasks (retention, `segment.ms` rolls, producer expiry, recovery-point
/// checkpoints).
///
/// On-disk layout (Kafka's, except where noted):
///
///     <data>/.lock                                   flock'ed while a manager owns the directory
///     <data>/topic-metadata/<topic>.json             ours: id, partition count, config overrides
///     <data>/<topic>-<partition>/
///         00000000000000000000.log                   record batches as producers sent them
///         00000000000000000000.index                 sparse offset → position
///         00000000000000000000.timeindex             sparse timestamp → offset
///         00000000000000001234.snapshot              producer state at offset 1234
///         leader-epoch-checkpoint                    epoch → start offset
///         partition-checkpoint                       ours: log start, recovery point, clean flag
///
/// Kafka keeps topic metadata in KRaft and its checkpoints per data directory; one file per topic
/// and per partition needs no controller and no cross-partition coordination.
/// The metadata files are the source of truth: on start a partition directory whose topic or
/// index is not in them is the remains of an interrupted deletion and is removed.
public final class LogManager: @unchecked Sendable {
    public struct Options: Sendable {
        public var dataDirectory: String
        /// Topic-level defaults from the broker's config (`retention.ms`, `segment.bytes`, …) that
        /// each topic's own overrides apply on top of.
        public var topicDefaults: [String: String] = [:]
        /// Whether acks=all produce responses wait for fsync (the broker reads this and calls
        /// `PartitionLog.whenDurable`). Default true: one node has no replicas to fall back on;
        /// group commit makes the cost one shared fsync. False gives Kafka's behaviour (ack from the
        /// page cache; survives `kill -9`, not power loss).
        public var acksAllWaitsForFsync = true
        public var fileSyncer: FileSyncer = .durable
        /// `log.flush.group.commit.interval.us`: the least time between the starts of two fsync
        /// rounds while requests arrive during rounds (`LogFlusher.minimumRoundInterval`).
        public var groupCommitInterval: TimeAmount = .microseconds(Self.defaultGroupCommitIntervalMicroseconds)
        public static let defaultGroupCommitIntervalMicroseconds: Int64 = 1000
        /// `log.retention.check.interval.ms`: how often retention, `segment.ms` rolls and producer expiry run.
        public var retentionCheckIntervalMs: Int64 = 300_000
        /// `log.flush.offset.checkpoint.interval.ms`: how often recovery points are persisted, which
        /// bounds how much a restart after a crash rescans.
        public var recoveryPointCheckpointIntervalMs: Int64 = 60_000
        /// `producer.id.expiration.ms`
        public var producerIDExpirationMs: Int64 = 86_400_000
        /// Runs the background tasks on a thread of their own; tests turn it off and call `runMaintenance`.
        public var runsBackgroundTasks = true
        public var clock: LogClock = .system

        public init(dataDirectory: String) {
            self.dataDirectory = dataDirectory
        }
    }

    struct TopicState {
        var metadata: TopicMetadata
        var config: LogConfig
        var partitions: [PartitionLog]
    }

    public let options: Options
    /// The broker-level topic defaults, parsed.
    public let defaultConfig: LogConfig
    public let flusher: LogFlusher
    let logger: Logger
    let metadataDirectory: String
    /// Serialises catalog changes, which do file system work; never taken inside `catalogLock`.
    let adminLock = NIOLock()
    let catalogLock = NIOLock()
    /// Guarded by `catalogLock`.
    var catalog: [String: TopicState]
    /// Guarded by `adminLock`.
    var isShutDown = false
    /// Set once in `open`, before the manager is shared.
    var backgroundTasks: BackgroundThread?
    let stopBackgroundTasks = ConditionLock<Bool>(value: false)
    /// Held open (and flock'ed) until `shutdown`. Guarded by `adminLock`.
    private var directoryLock: OpenFile?

    private init(options: Options, defaultConfig: LogConfig, flusher: LogFlusher, logger: Logger, directoryLock: OpenFile, catalog: [String: TopicState]) {
        self.options = options
        self.defaultConfig = defaultConfig
        self.flusher = flusher
        self.logger = logger
        self.metadataDirectory = FileSystem.join(options.dataDirectory, TopicMetadataFile.directoryName)
        self.directoryLock = directoryLock
        self.catalog = catalog
    }

    /// Takes ownership of the data directory and opens every partition in it, recovering each
    /// (what was truncated or rebuilt is logged with file names and offsets).
    public static func open(_ options: Options, logger: Logger = Logger(label: "logport.storage")) throws -> LogManager {
        let defaults: LogConfig
        do {
            defaults = try LogConfig(options.topicDefaults)
        } catch {
            throw LogError.invalidConfig(error)
        }
        try FileSystem.createDirectory(options.dataDirectory)
        let directoryLock = try lockDataDirectory(options.dataDirectory)
        let metadataDirectory = FileSystem.join(options.dataDirectory, TopicMetadataFile.directoryName)
        try FileSystem.createDirectory(metadataDirectory)
        let topics = try loadTopicMetadata(metadataDirectory)
        try removeDeletedAndOrphanedDirectories(options.dataDirectory, topics: topics, logger: logger)

        let flusher = try LogFlusher(syncer: options.fileSyncer, minimumRoundInterval: options.groupCommitInterval, logger: logger)
        var catalog: [String: TopicState] = [:]
        do {
            for metadata in topics.values.sorted(by: { $0.name < $1.name }) {
                let config = try topicConfig(defaults, metadata.configOverrides)
                let partitions = try (0..<metadata.partitionCount).map { index in
                    try openPartition(TopicPartition(topic: metadata.name, partition: PartitionIndex(index)), options: options, config: config, flusher: flusher, logger: logger)
                }
                catalog[metadata.name] = TopicState(metadata: metadata, config: config, partitions: partitions)
            }
        } catch {
            for state in catalog.values { for log in state.partitions { try? log.close() } }
            flusher.shutdown()
            throw error
        }
        let manager = LogManager(options: options, defaultConfig: defaults, flusher: flusher, logger: logger, directoryLock: directoryLock, catalog: catalog)
        if options.runsBackgroundTasks { try manager.startBackgroundTasks() }
        let partitions = catalog.values.flatMap(\.partitions)
        let recovered = partitions.filter { !$0.recoveryReport.cleanShutdown }.count
        logger.info(
            "opened data directory",
            metadata: [
                "directory": "\(options.dataDirectory)", "topics": "\(catalog.count)", "partitions": "\(partitions.count)",
                "recoveredAfterUncleanShutdown": "\(recovered)",
            ])
        return manager
    }

    // MARK: Catalog queries

    public func topics() -> [TopicMetadata] {
        catalogLock.withLock { catalog.values.map(\.metadata).sorted { $0.name < $1.name } }
    }

    public func topic(named name: String) -> TopicMetadata? {
        catalogLock.withLock { catalog[name]?.metadata }
    }

    /// The topic with this id (Fetch v13+, Metadata and DeleteTopics by id): a scan, but without
    /// the copy and sort of `topics()`, which every such fetch used to pay.
    public func topic(id: KafkaUUID) -> TopicMetadata? {
        guard !id.isZero else { return nil }
        return catalogLock.withLock { catalog.values.first { $0.metadata.id == id }?.metadata }
    }

    public func partition(topic: String, index: PartitionIndex) -> PartitionLog? {
        catalogLock.withLock {
            guard let partitions = catalog[topic]?.partitions, index.rawValue >= 0, Int(index.rawValue) < partitions.count else { return nil }
            return partitions[Int(index.rawValue)]
        }
    }

    /// The effective value of every topic-level setting, and whether it is the broker default
    /// (true) or the topic's own override (false). Empty for an unknown topic.
    public func effectiveConfig(topic: String) -> [(name: String, value: String, isDefault: Bool)] {
        guard let state = catalogLock.withLock({ catalog[topic] }) else { return [] }
        return state.config.settings.map { ($0.name, $0.value, !LogConfig.overrides(state.metadata.configOverrides, set: $0.name)) }
    }

    /// Checks a topic-level config map without applying it; throws `LogError.invalidConfig` naming the key.
    public func validate(config: [String: String]) throws {
        _ = try Self.topicConfig(defaultConfig, config)
    }

    // MARK: Shutdown

    /// Stops the background tasks, closes every partition cleanly (so the next start skips
    /// recovery), stops the flusher and releases the directory. Failures are logged; the next start
    /// recovers those partitions. Later calls do nothing.
    public func shutdown() {
        let alreadyShutDown = adminLock.withLock {
            defer { isShutDown = true }
            return isShutDown
        }
        guard !alreadyShutDown else { return }
        stopBackgroundTasks.lock()
        stopBackgroundTasks.unlock(withValue: true)
        backgroundTasks?.join()
        let partitions = allPartitions()
        for log in partitions {
            do {
                try log.close()
            } catch {
                logger.error("closing partition failed", metadata: ["partition": "\(log.topicPartition)", "error": "\(error)"])
            }
        }
        flusher.shutdown()
        adminLock.withLock { directoryLock = nil }
        logger.info("closed data directory", metadata: ["directory": "\(options.dataDirectory)"])
    }

    // MARK: Helpers

    static func topicConfig(_ defaults: LogConfig, _ overrides: [String: String]) throws -> LogConfig {
        do {
            return try defaults.applying(overrides)
        } catch {
            throw LogError.invalidConfig(error)
        }
    }

    static func openPartition(_ topicPartition: TopicPartition, options: Options, config: LogConfig, flusher: LogFlusher, logger: Logger) throws -> PartitionLog {
        let log = try PartitionLog.open(
            topicPartition, dataDirectory: options.dataDirectory, config: config, flusher: flusher, now: options.clock.nowMilliseconds())
        let report = log.recoveryReport
        for action in report.actions {
            switch action {
            case .truncated, .deletedSegment, .discardedFile:
                logger.warning("recovery: \(action)", metadata: ["partition": "\(topicPartition)"])
            case .rebuiltIndex, .removedStrayFile:
                logger.info("recovery: \(action)", metadata: ["partition": "\(topicPartition)"])
            case .scanned:
                logger.debug("recovery: \(action)", metadata: ["partition": "\(topicPartition)"])
            }
        }
        logger.debug(
            "opened partition",
            metadata: [
                "partition": "\(topicPartition)", "cleanShutdown": "\(report.cleanShutdown)",
                "logStartOffset": "\(report.logStartOffset)", "logEndOffset": "\(report.logEndOffset)",
                "producerSnapshot": "\(report.producerSnapshotOffset.map(\.description) ?? "none")",
                "producerBatchesScanned": "\(report.producerBatchesScanned)",
            ])
        return log
    }

    /// Kafka's `.lock`: an exclusive flock so a second broker on the same directory fails fast.
    private static func lockDataDirectory(_ directory: String) throws -> OpenFile {
        let file = try OpenFile.open(FileSystem.join(directory, ".lock"), create: true)
        guard flock(file.descriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw LogError.io(operation: "lock (is another broker using this data directory?)", path: file.path, errno: errno)
        }
        return file
    }

    private static func loadTopicMetadata(_ directory: String) throws -> [String: TopicMetadata] {
        var topics: [String: TopicMetadata] = [:]
        for name in try FileSystem.contents(of: directory) {
            let path = FileSystem.join(directory, name)
            if name.hasSuffix(".tmp") {
                try FileSystem.removeFile(path)
            } else if name.hasSuffix(".json"), let bytes = try FileSystem.readFile(path) {
                let metadata = try TopicMetadataFile.decode(bytes, path: path)
                guard name == metadata.name + ".json" else {
                    throw LogError.corruptFile(path: path, reason: "holds topic '\(metadata.name)'")
                }
                topics[metadata.name] = metadata
            }
        }
        return topics
    }

    private static func removeDeletedAndOrphanedDirectories(_ directory: String, topics: [String: TopicMetadata], logger: Logger) throws {
        for name in try FileSystem.contents(of: directory) where FileSystem.isDirectory(FileSystem.join(directory, name)) {
            let path = FileSystem.join(directory, name)
            if name.hasSuffix("-delete") {
                logger.info("finishing deletion", metadata: ["directory": "\(path)"])
                try FileSystem.removeRecursively(path)
            } else if let partition = TopicPartition(directoryName: name),
                partition.partition.rawValue >= topics[partition.topic]?.partitionCount ?? 0
            {
                logger.warning("removing partition directory with no topic metadata (interrupted deletion)", metadata: ["directory": "\(path)"])
                try FileSystem.removeRecursively(path)
            }
        }
    }
}
