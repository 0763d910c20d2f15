import CRdKafka

/// One librdkafka client instance (`rd_kafka_t`) and the callbacks object its C callbacks reach.
///
/// `@unchecked Sendable`: `handle` never changes after init, and librdkafka guards an rd_kafka_t with
/// its own locks; every librdkafka function this package calls on it is documented as thread-safe.
/// `callbacks` is Sendable. The handle is destroyed only when the last owner releases this object.
final class NativeClient: @unchecked Sendable {
    let handle: OpaquePointer
    let callbacks: ClientCallbacks
    /// For error messages: the cluster this client was told to use.
    let bootstrapServers: String

    init(type: rd_kafka_type_t, config: KafkaConfig, callbacks: ClientCallbacks, prepare: (OpaquePointer) -> Void = { _ in }) throws(KafkaError) {
        var config = config
        // librdkafka logs every idle disconnect as an error otherwise; real failures still reach error_cb.
        if config["log.connection.close"] == nil { config["log.connection.close"] = "false" }
        let conf = try config.makeNativeConfig()
        callbacks.install(on: conf)
        prepare(conf)
        var message = ErrorTextBuffer()
        guard let handle = rd_kafka_new(type, conf, &message.bytes, message.bytes.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: .invalidArgument, message: message.text, context: "creating Kafka client")
        }
        self.handle = handle
        self.callbacks = callbacks
        self.bootstrapServers = config.bootstrapServers ?? "(no bootstrap.servers)"
    }

    /// rd_kafka_destroy joins librdkafka's threads, which can take a second, so it runs on a
    /// dedicated thread; `callbacks` stays alive until it returns, as callbacks may fire meanwhile.
    deinit {
        // Nothing else can reach the handle any more: this closure is its only user.
        nonisolated(unsafe) let handle = handle
        let callbacks = callbacks
        BlockingCalls.runDetached {
            rd_kafka_destroy(handle)
            withExtendedLifetime(callbacks) {}
        }
    }

    /// Adds the last cluster-wide error to an error that only says "timed out" or "transport failure",
    /// so an operator learns that, say, the bootstrap address refused connections.
    func explain(_ error: KafkaError) -> KafkaError {
        let vague: Set<KafkaErrorCode> = [.timedOut, .messageTimedOut, .transport, .allBrokersDown]
        guard vague.contains(error.code) else { return error }
        guard let last = callbacks.lastError, last.message != error.message else {
            return error.adding(detail: "cluster \(bootstrapServers)")
        }
        return error.adding(detail: "cluster \(bootstrapServers), last broker error: \(last.message)")
    }

    /// Throws `code` as a KafkaError unless it is NO_ERROR.
    func check(_ code: rd_kafka_resp_err_t, _ context: @autoclosure () -> String) throws(KafkaError) {
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        throw explain(KafkaError(code, context: context()))
    }

    /// Throws (and destroys) `error` unless it is nil.
    func check(_ error: OpaquePointer?, _ context: @autoclosure () -> String) throws(KafkaError) {
        guard let error else { return }
        throw explain(KafkaError(consuming: error, context: context()))
    }
}
