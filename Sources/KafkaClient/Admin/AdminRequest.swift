import CRdKafka

extension NativeClient {
    /// Runs one admin request on a private result queue and waits, on a blocking-call thread, for its
    /// result event. `start` sends the request (it must destroy what it creates); `parse` reads the
    /// event, whose top-level error has already been checked. `timeout` bounds the request and, for
    /// topic and config changes, the broker-side operation.
    func adminRequest<Result: Sendable>(
        _ what: String, timeout: Duration,
        start: @escaping @Sendable (_ options: OpaquePointer, _ queue: OpaquePointer) throws(KafkaError) -> Void,
        parse: @escaping @Sendable (_ event: OpaquePointer) throws(KafkaError) -> Result
    ) async throws -> Result {
        try await BlockingCalls.run { [self] () throws(KafkaError) -> Result in
            guard let queue = rd_kafka_queue_new(handle), let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_ANY) else {
                throw KafkaError(code: .invalidArgument, message: "librdkafka could not allocate an admin request", context: what)
            }
            defer {
                rd_kafka_AdminOptions_destroy(options)
                rd_kafka_queue_destroy(queue)
            }
            var text = ErrorTextBuffer()
            let milliseconds = timeout.timeoutMilliseconds
            try check(rd_kafka_AdminOptions_set_request_timeout(options, milliseconds, &text.bytes, text.bytes.count), what)
            try check(rd_kafka_AdminOptions_set_operation_timeout(options, milliseconds, &text.bytes, text.bytes.count), what)
            try start(options, queue)
            // librdkafka answers every admin request by its request timeout; the margin only guards that promise.
            guard let event = rd_kafka_queue_poll(queue, milliseconds &+ 5000) else {
                throw explain(KafkaError(code: .timedOut, message: "no answer within \(timeout)", context: what))
            }
            defer { rd_kafka_event_destroy(event) }
            let code = rd_kafka_event_error(event)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw explain(KafkaError(code, message: rd_kafka_event_error_string(event), context: what))
            }
            do throws(KafkaError) {
                return try parse(event)
            } catch {
                throw explain(error)
            }
        }
    }
}

/// The non-nil elements of a C array of `count` object pointers.
func objects(_ array: UnsafeMutablePointer<OpaquePointer?>?, count: Int) -> [OpaquePointer] {
    guard let array else { return [] }
    return (0..<count).compactMap { array[$0] }
}

/// Throws the first failed topic result (`rd_kafka_topic_result_t`) of a topic admin request.
func checkTopicResults(_ results: [OpaquePointer], _ what: String) throws(KafkaError) {
    for result in results where rd_kafka_topic_result_error(result) != RD_KAFKA_RESP_ERR_NO_ERROR {
        let topic = String(cString: rd_kafka_topic_result_name(result))
        throw KafkaError(rd_kafka_topic_result_error(result), message: rd_kafka_topic_result_error_string(result), context: "\(what) \(topic)")
    }
}

/// Optional C string to String.
func string(_ pointer: UnsafePointer<CChar>?) -> String? {
    pointer.map { String(cString: $0) }
}
