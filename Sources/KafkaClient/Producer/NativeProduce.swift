import CRdKafka

/// librdkafka's "let the partitioner choose" partition (RD_KAFKA_PARTITION_UA).
private let unassignedPartition: Int32 = -1

extension NativeClient {
    /// One attempt to hand `message` to librdkafka (copying key and value). Returns nil on success, when
    /// librdkafka has taken `headers` and `opaque`; otherwise the `rd_kafka_error_t` (caller destroys),
    /// and both stay the caller's.
    func produceOnce(_ message: ProducerMessage, headers: OpaquePointer?, opaque: UnsafeMutableRawPointer) -> OpaquePointer? {
        message.topic.withCString { topic in
            withNullableBytes(message.key) { key, keyLength in
                withNullableBytes(message.value) { value, valueLength in
                    // On the stack: this runs once per record.
                    withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { fields in
                        var count = 0
                        func add(_ field: rd_kafka_vu_t) {
                            fields[count] = field
                            count += 1
                        }
                        add(field(RD_KAFKA_VTYPE_TOPIC) { $0.cstr = topic })
                        add(field(RD_KAFKA_VTYPE_PARTITION) { $0.i32 = message.partition ?? unassignedPartition })
                        add(field(RD_KAFKA_VTYPE_MSGFLAGS) { $0.i = RD_KAFKA_MSG_F_COPY })
                        add(field(RD_KAFKA_VTYPE_OPAQUE) { $0.ptr = opaque })
                        add(field(RD_KAFKA_VTYPE_VALUE) {
                            $0.mem.ptr = UnsafeMutableRawPointer(mutating: value)
                            $0.mem.size = valueLength
                        })
                        if message.key != nil {
                            add(field(RD_KAFKA_VTYPE_KEY) {
                                $0.mem.ptr = UnsafeMutableRawPointer(mutating: key)
                                $0.mem.size = keyLength
                            })
                        }
                        if let timestamp = message.timestamp {
                            add(field(RD_KAFKA_VTYPE_TIMESTAMP) { $0.i64 = timestamp.milliseconds })
                        }
                        if let headers {
                            add(field(RD_KAFKA_VTYPE_HEADERS) { $0.headers = headers })
                        }
                        return rd_kafka_produceva(handle, fields.baseAddress, count)
                    }
                }
            }
        }
    }
}

private func field(_ type: rd_kafka_vtype_t, _ setValue: (inout rd_kafka_vu_t.__Unnamed_union_u) -> Void) -> rd_kafka_vu_t {
    var field = rd_kafka_vu_t()
    field.vtype = type
    setValue(&field.u)
    return field
}

/// Calls `body` with a pointer and length: nil for nil bytes, and a valid (non-nil) pointer for empty
/// bytes, because librdkafka tells a null value from an empty one by the pointer alone.
func withNullableBytes<Result>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> Result) -> Result {
    guard let bytes else { return body(nil, 0) }
    guard !bytes.isEmpty else {
        return withUnsafeBytes(of: UInt8(0)) { body($0.baseAddress, 0) }
    }
    return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
}

/// An `rd_kafka_headers_t` copied from Swift headers, or nil when there are none. The caller owns it
/// until a successful produce hands it to librdkafka.
func makeNativeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer? {
    guard !headers.isEmpty, let list = rd_kafka_headers_new(headers.count) else { return nil }
    for header in headers {
        withNullableBytes(header.value) { value, length in
            _ = rd_kafka_header_add(list, header.key, -1, value, length)
        }
    }
    return list
}
