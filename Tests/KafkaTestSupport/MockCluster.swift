import CRdKafka
import KafkaClient

/// librdkafka's in-process mock cluster, which implements consumer groups (JoinGroup, SyncGroup,
/// OffsetCommit, …). It exercises this package's group code paths whatever the logport broker
/// supports; the same scenarios also run against the real broker once it serves groups.
/// `@unchecked Sendable`: the pointers never change, and librdkafka's mock API hands every call to
/// the mock cluster's own thread.
public final class MockCluster: @unchecked Sendable {
    private let host: OpaquePointer
    private let cluster: OpaquePointer
    public let bootstrap: String

    public init(brokers: Int32 = 1) throws {
        guard let conf = rd_kafka_conf_new() else { throw TestSetupError("rd_kafka_conf_new failed") }
        rd_kafka_conf_set_log_cb(conf) { _, _, _, _ in }
        var message = [CChar](repeating: 0, count: 256)
        guard let host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &message, message.count) else {
            throw TestSetupError("could not create the mock cluster's host client")
        }
        guard let cluster = rd_kafka_mock_cluster_new(host, brokers) else {
            rd_kafka_destroy(host)
            throw TestSetupError("could not create a mock cluster")
        }
        self.host = host
        self.cluster = cluster
        bootstrap = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(host)
    }

    public func createTopic(_ name: String, partitions: Int32) throws {
        let result = rd_kafka_mock_topic_create(cluster, name, partitions, 1)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw TestSetupError("mock topic \(name): \(String(cString: rd_kafka_err2str(result)))") }
    }
}

/// A test's environment is not what it needs (a cluster that cannot start, a topic without leaders).
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
