import Foundation
import GroupCoordination
import KafkaProtocol
import LogStorage
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A running broker: storage opened and recovered, the Kafka listener bound.
public final class BrokerServer: Sendable {
    public let config: BrokerConfig
    public let localAddress: SocketAddress
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    private let ioPool: NIOThreadPool
    private let writers: PartitionWriters
    private let core: BrokerCore
    private let closeStorage: @Sendable () throws -> Void

    private init(
        config: BrokerConfig, channel: any Channel, group: MultiThreadedEventLoopGroup, ioPool: NIOThreadPool,
        writers: PartitionWriters, core: BrokerCore, closeStorage: @escaping @Sendable () throws -> Void
    ) {
        self.config = config
        self.writers = writers
        self.channel = channel
        self.localAddress = channel.localAddress!
        self.group = group
        self.ioPool = ioPool
        self.core = core
        self.closeStorage = closeStorage
    }

    /// Opens (and recovers) the data directory and starts listening.
    public static func start(config: BrokerConfig, logger: Logger) async throws -> BrokerServer {
        let dataDirectory = URL(fileURLWithPath: config.dataDirectory, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw BrokerStartupError("cannot create data directory \(dataDirectory.path): \(error.localizedDescription)")
        }
        let meta = try ClusterMetadata.loadOrCreate(in: dataDirectory, nodeID: config.nodeID, clusterID: config.clusterID)

        let ioPool = NIOThreadPool(numberOfThreads: max(2, System.coreCount))
        ioPool.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, System.coreCount))
        // Bound first, accepting nothing until the broker is ready: a port in use fails before a long
        // recovery, and with port 0 the port the system chose is the one metadata advertises.
        let serving = NIOLockedValueBox<(dispatcher: RequestDispatcher, budget: MemoryBudget)?>(nil)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: false)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let (dispatcher, budget) = serving.withLockedValue({ $0 }) else {
                        throw BrokerStartupError("connection accepted before the broker was ready")
                    }
                    try channel.pipeline.syncOperations.addHandler(KafkaConnectionHandler(
                        dispatcher: dispatcher, budget: budget, maxFrameBytes: config.socketRequestMaxBytes,
                        maxInflight: config.maxInflightRequestsPerConnection, logger: logger))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: config.listenHost, port: config.listenPort).get()
        } catch {
            try? await group.shutdownGracefully()
            try? await ioPool.shutdownGracefully()
            throw BrokerStartupError("cannot listen on \(config.listenHost):\(config.listenPort): \(error); is another broker running there?")
        }
        var config = config
        if config.listenPort == 0, config.advertisedPort == nil { config.advertisedPort = channel.localAddress?.port }

        var writers: PartitionWriters?
        var storage: LogManager?
        do {
            let opened = try await ioPool.runIfActive { [config] in
                var options = LogManager.Options(dataDirectory: config.dataDirectory)
                options.topicDefaults = config.topicDefaults
                options.acksAllWaitsForFsync = config.acksAllFsync
                options.groupCommitInterval = .microseconds(config.logFlushGroupCommitIntervalUs)
                options.retentionCheckIntervalMs = config.retentionCheckIntervalMs
                return try LogManager.open(options, logger: logger)
            }
            storage = opened
            do {
                writers = try PartitionWriters(count: config.logWriterThreads)
            } catch {
                throw BrokerStartupError("cannot start the log writer threads: \(error)")
            }
            let core = BrokerCore(
                config: config, storage: opened, clusterID: meta.clusterID,
                producerIDs: try ProducerIDAllocator(directory: dataDirectory), ioPool: ioPool, writers: writers!,
                timerEventLoop: group.any(), metrics: BrokerMetrics(apiKeys: handlers.map { $0.apiKey }), logger: logger)
            do {
                try await core.groups.load()
            } catch {
                throw BrokerStartupError("cannot load consumer groups from \(OffsetsTopic.name): \(error)")
            }
            serving.withLockedValue {
                $0 = (RequestDispatcher(broker: core, handlers: BrokerServer.handlers), MemoryBudget(limit: config.queuedMaxRequestBytes))
            }
            try await channel.setOption(.autoRead, value: true).get()
            return BrokerServer(
                config: config, channel: channel, group: group, ioPool: ioPool, writers: writers!, core: core, closeStorage: opened.close)
        } catch {
            try? await channel.close()
            writers?.shutdown()
            try? storage?.close()
            try? await group.shutdownGracefully()
            try? await ioPool.shutdownGracefully()
            throw error
        }
    }

    /// Every API this broker serves; ApiVersions advertises exactly these.
    static let handlers: [any ApiHandler] = [
        ApiVersionsHandler(), MetadataHandler(), ProduceHandler(), FetchHandler(), ListOffsetsHandler(),
        CreateTopicsHandler(), DeleteTopicsHandler(), CreatePartitionsHandler(),
        DescribeConfigsHandler(), AlterConfigsHandler(), IncrementalAlterConfigsHandler(),
        DeleteRecordsHandler(), DescribeClusterHandler(), InitProducerIdHandler(),
        FindCoordinatorHandler(), JoinGroupHandler(), SyncGroupHandler(), HeartbeatHandler(), LeaveGroupHandler(),
        OffsetCommitHandler(), OffsetFetchHandler(), OffsetDeleteHandler(),
        ListGroupsHandler(), DescribeGroupsHandler(), DeleteGroupsHandler(),
    ]

    public var port: Int { localAddress.port ?? config.listenPort }

    /// The broker's metrics in Prometheus text exposition, partition gauges read from storage now.
    public func metricsExposition() async -> String {
        if let partitions = try? await core.io({ [storage = core.storage] in PartitionSnapshot.readAll(from: storage) }) {
            core.metrics.publishPartitions(partitions)
        }
        return core.metrics.exposition()
    }

    /// Stops accepting, closes connections, flushes and closes every log.
    public func shutdown() async throws {
        try? await channel.close()
        // The writers finish what they hold while the event loops still run to take the answers;
        // appends submitted after this are refused with KAFKA_STORAGE_ERROR ("shutting down").
        writers.shutdown()
        try await group.shutdownGracefully()
        try await ioPool.runIfActive { [closeStorage] in try closeStorage() }
        try await ioPool.shutdownGracefully()
    }

    /// Waits until the listener closes.
    public func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }
}

/// `meta.properties`, as Kafka writes it: which cluster and node this data directory belongs to.
struct ClusterMetadata {
    let clusterID: String

    static func loadOrCreate(in directory: URL, nodeID: Int32, clusterID requested: String?) throws -> ClusterMetadata {
        let file = directory.appendingPathComponent("meta.properties")
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            var values: [String: String] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { values[parts[0]] = parts[1] }
            }
            guard let stored = values["cluster.id"] else {
                throw BrokerStartupError("\(file.path) has no cluster.id; it is damaged — restore it from a backup")
            }
            if let requested, requested != stored {
                throw BrokerStartupError("data directory \(directory.path) belongs to cluster \(stored), but cluster.id is set to \(requested)")
            }
            return ClusterMetadata(clusterID: stored)
        }
        let id = requested ?? Self.newClusterID()
        let text = "#Written by logport\nversion=1\ncluster.id=\(id)\nnode.id=\(nodeID)\n"
        try FileSystem.writeAtomically(file.path, contents: ByteBuffer(string: text))
        return ClusterMetadata(clusterID: id)
    }

    /// A random UUID in Kafka's URL-safe base64 form (22 characters).
    static func newClusterID() -> String {
        let uuid = KafkaUUID.random()
        var bytes = [UInt8]()
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: uuid.high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: uuid.low >> UInt64(shift))) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
