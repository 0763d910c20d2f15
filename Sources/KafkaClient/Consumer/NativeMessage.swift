import CRdKafka

extension ConsumedMessage {
    /// Copies everything out of a librdkafka message, which the caller still owns.
    init(copying message: UnsafePointer<rd_kafka_message_t>, topic: String) {
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        self.init(
            topic: topic, partition: message.pointee.partition, offset: message.pointee.offset,
            timestamp: timestamp >= 0 ? KafkaTimestamp(milliseconds: timestamp) : nil,
            timestampType: timestampType == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME
                ? .logAppendTime : timestampType == RD_KAFKA_TIMESTAMP_CREATE_TIME ? .createTime : nil,
            key: copyBytes(message.pointee.key, count: message.pointee.key_len),
            value: copyBytes(message.pointee.payload, count: message.pointee.len),
            headers: copyHeaders(message))
    }
}

private func copyBytes(_ pointer: UnsafeRawPointer?, count: Int) -> [UInt8]? {
    guard let pointer else { return nil }
    return Array(UnsafeRawBufferPointer(start: pointer, count: count))
}

private func copyHeaders(_ message: UnsafePointer<rd_kafka_message_t>) -> [KafkaHeader] {
    var list: OpaquePointer?
    guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
    var headers: [KafkaHeader] = []
    var index = 0
    while true {
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        guard rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { break }
        headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: copyBytes(value, count: size)))
        index += 1
    }
    return headers
}
