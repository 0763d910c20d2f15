import CRdKafka
import Logging
import NIOConcurrencyHelpers

/// The Swift side of one rd_kafka_t's C callbacks, reached through the client opaque. It routes
/// librdkafka's logs into swift-log, remembers the last cluster-wide error (so a timeout can say
/// *why* the cluster was unreachable), and forwards errors and rebalances to the owning client.
final class ClientCallbacks: Sendable {
    typealias RebalanceHandler = @Sendable (
        _ handle: OpaquePointer, _ reason: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) -> Void

    let logger: Logger
    private let lastBrokerError = NIOLockedValueBox<KafkaError?>(nil)
    private let errorListener: (@Sendable (KafkaError) -> Void)?
    private let rebalanceHandler: RebalanceHandler?

    init(logger: Logger, onError: (@Sendable (KafkaError) -> Void)? = nil, onRebalance: RebalanceHandler? = nil) {
        self.logger = logger
        self.errorListener = onError
        self.rebalanceHandler = onRebalance
    }

    var lastError: KafkaError? { lastBrokerError.withLockedValue { $0 } }

    /// Installs the callbacks on `conf` and makes this object the client opaque; it must outlive the
    /// rd_kafka_t created from `conf`.
    func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_error_cb(conf) { handle, code, reason, opaque in
            guard let opaque else { return }
            ClientCallbacks.from(opaque).recordError(handle: handle, code: rd_kafka_resp_err_t(rawValue: code), reason: reason)
        }
        rd_kafka_conf_set_log_cb(conf) { handle, level, facility, text in
            guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
            ClientCallbacks.from(opaque).log(level: level, facility: facility, text: text)
        }
        if rebalanceHandler != nil {
            rd_kafka_conf_set_rebalance_cb(conf) { handle, reason, partitions, opaque in
                guard let handle, let opaque else { return }
                ClientCallbacks.from(opaque).rebalanceHandler?(handle, reason, partitions)
            }
        }
    }

    private static func from(_ opaque: UnsafeMutableRawPointer) -> ClientCallbacks {
        Unmanaged<ClientCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }

    private func recordError(handle: OpaquePointer?, code: rd_kafka_resp_err_t, reason: UnsafePointer<CChar>?) {
        var error = KafkaError(code, message: reason, context: nil)
        if code == RD_KAFKA_RESP_ERR__FATAL, let handle {
            var text = ErrorTextBuffer()
            let underlying = rd_kafka_fatal_error(handle, &text.bytes, text.bytes.count)
            error = KafkaError(code: KafkaErrorCode(underlying), message: text.text, isFatal: true)
        }
        lastBrokerError.withLockedValue { $0 = error }
        logger.debug("librdkafka error: \(error)")
        errorListener?(error)
    }

    private func log(level: Int32, facility: UnsafePointer<CChar>?, text: UnsafePointer<CChar>?) {
        let swiftLevel: Logger.Level =
            switch level {
            case ...2: .critical
            case 3: .error
            case 4: .warning
            case 5: .notice
            case 6: .info
            default: .debug
            }
        let facilityName = facility.map { String(cString: $0) } ?? "-"
        logger.log(level: swiftLevel, "\(text.map { String(cString: $0) } ?? "")", metadata: ["librdkafka": "\(facilityName)"])
    }
}
