import Foundation
import GroupCoordination
import KafkaProtocol
import LogStorage
import Logging
import NIOCore
import NIOPosix

/// The state every API handler shares: configuration, the topic catalog and logs, producer ids,
/// and the notifier that wakes long-polling fetches. Storage calls go through `io`, which runs them
/// on the broker's storage threads, and appends through `writers`, so no event loop ever blocks on
/// a disk.
final class BrokerCore: Sendable {
    let config: BrokerConfig
    let storage: any TopicStorage
    let clusterID: String
    let producerIDs: ProducerIDAllocator
    let appendNotifier = AppendNotifier()
    let fetchSessions = FetchSessionCache()
    /// Consumer groups and committed offsets; `load()` it before serving.
    let groups: GroupCoordinatorService
    let logger: Logger
    let metrics: BrokerMetrics
    /// Where group-coordinator timeouts are scheduled.
    let timerEventLoop: any EventLoop
    /// The threads that append produced records (in order per partition, with group commit).
    let writers: PartitionWriters
    private let ioPool: NIOThreadPool

    init(
        config: BrokerConfig, storage: any TopicStorage, clusterID: String, producerIDs: ProducerIDAllocator,
        ioPool: NIOThreadPool, writers: PartitionWriters, timerEventLoop: any EventLoop, metrics: BrokerMetrics, logger: Logger
    ) {
        self.writers = writers
        self.config = config
        self.metrics = metrics
        self.timerEventLoop = timerEventLoop
        self.storage = storage
        self.clusterID = clusterID
        self.producerIDs = producerIDs
        self.ioPool = ioPool
        self.logger = logger
        self.groups = GroupCoordinatorService(
            config: config.groupCoordinator, storage: storage, ioPool: ioPool, writers: writers,
            timerEventLoop: timerEventLoop, appendNotifier: appendNotifier, logger: logger)
    }

    var nodeID: BrokerID { BrokerID(config.nodeID) }

    /// Runs blocking storage work off the event loops.
    func io<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await ioPool.runIfActive(body)
    }

    /// Creates `name` with the broker defaults if auto-creation is on; returns the topic either way.
    func topicCreatingIfAllowed(_ name: String, allowAutoCreate: Bool) async throws -> TopicMetadata? {
        if let topic = storage.topic(named: name) { return topic }
        guard allowAutoCreate, config.autoCreateTopics, TopicName.validationError(name) == nil else { return nil }
        do {
            let topic = try await io { [storage, config] in
                try storage.createTopic(name: name, partitions: config.defaultPartitions, config: [:])
            }
            logger.info("auto-created topic \(name) with \(config.defaultPartitions) partition(s)")
            return topic
        } catch {
            // Another request may have created it concurrently.
            if let topic = storage.topic(named: name) { return topic }
            throw error
        }
    }
}

/// Kafka's rules for topic names.
enum TopicName {
    static let maxLength = 249

    static func validationError(_ name: String) -> String? {
        if name.isEmpty { return "topic name is empty" }
        if name == "." || name == ".." { return "topic name cannot be '.' or '..'" }
        if name.utf8.count > maxLength { return "topic name is longer than \(maxLength) characters" }
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        return allowed ? nil : "topic name '\(name)' has characters other than ASCII letters, digits, '.', '_' and '-'"
    }
}

extension Date {
    var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}
