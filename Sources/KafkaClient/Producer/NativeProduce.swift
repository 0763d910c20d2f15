import CRdKafka

/// librdkafka's "let the partitioner choose" partition (RD_KAFKA_PARTITION_UA).
private let unassignedPartition: Int32 = -1

/// The topic of a record handed to `rd_kafka_produceva`: by name (librdkafka looks it up per
/// record), or by a handle resolved once for many records.
enum ProduceTopic {
    case name(UnsafePointer<CChar>)
    case handle(OpaquePointer)
}

/// How librdkafka holds a record's value until its delivery report.
enum ValueOwnership {
    /// librdkafka copies the value at once.
    case copied
    /// librdkafka reads the caller's bytes in place: they must stay valid and unchanged until the
    /// record's delivery report.
    case borrowed
}

extension NativeClient {
    /// One attempt to hand `message` to librdkafka (copying key and value). Returns nil on success, when
    /// librdkafka has taken `headers` and `opaque`; otherwise the `rd_kafka_error_t` (caller destroys),
    /// and both stay the caller's.
    func produceOnce(_ message: ProducerMessage, headers: OpaquePointer?, opaque: UnsafeMutableRawPointer) -> OpaquePointer? {
        message.topic.withCString { topic in
            withNullableBytes(message.key) { key in
                withNullableBytes(message.value) { value in
                    produce(topic: .name(topic), partition: message.partition, value: value, ownership: .copied, key: key,
                            timestamp: message.timestamp, headers: headers, opaque: opaque)
                }
            }
        }
    }

    /// One attempt to hand a record to librdkafka; `key` is always copied, `value` per `ownership`.
    /// A nil key or value is absent (a null value is a tombstone), which librdkafka tells from an
    /// empty one by the pointer alone. Returns like `produceOnce`.
    func produce(
        topic: ProduceTopic, partition: Int32?, value: UnsafeRawBufferPointer?, ownership: ValueOwnership, key: UnsafeRawBufferPointer?,
        timestamp: KafkaTimestamp?, headers: OpaquePointer?, opaque: UnsafeMutableRawPointer
    ) -> OpaquePointer? {
        // On the stack: this runs once per record.
        withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { fields in
            var count = 0
            func add(_ field: rd_kafka_vu_t) {
                fields[count] = field
                count += 1
            }
            switch topic {
            case .name(let name): add(field(RD_KAFKA_VTYPE_TOPIC) { $0.cstr = name })
            case .handle(let handle): add(field(RD_KAFKA_VTYPE_RKT) { $0.rkt = handle })
            }
            add(field(RD_KAFKA_VTYPE_PARTITION) { $0.i32 = partition ?? unassignedPartition })
            add(field(RD_KAFKA_VTYPE_MSGFLAGS) { $0.i = ownership == .copied ? RD_KAFKA_MSG_F_COPY : 0 })
            add(field(RD_KAFKA_VTYPE_OPAQUE) { $0.ptr = opaque })
            add(field(RD_KAFKA_VTYPE_VALUE) {
                $0.mem.ptr = UnsafeMutableRawPointer(mutating: value?.baseAddress)
                $0.mem.size = value?.count ?? 0
            })
            if let key {
                add(field(RD_KAFKA_VTYPE_KEY) {
                    $0.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                    $0.mem.size = key.count
                })
            }
            if let timestamp {
                add(field(RD_KAFKA_VTYPE_TIMESTAMP) { $0.i64 = timestamp.milliseconds })
            }
            if let headers {
                add(field(RD_KAFKA_VTYPE_HEADERS) { $0.headers = headers })
            }
            return rd_kafka_produceva(handle, fields.baseAddress, count)
        }
    }
}

private func field(_ type: rd_kafka_vtype_t, _ setValue: (inout rd_kafka_vu_t.__Unnamed_union_u) -> Void) -> rd_kafka_vu_t {
    var field = rd_kafka_vu_t()
    field.vtype = type
    setValue(&field.u)
    return field
}

/// One byte librdkafka can point at for an empty key or value (a nil pointer would mean absent).
nonisolated(unsafe) private let emptyBytes = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

/// `bytes` as librdkafka wants them: nil for nil, and a valid (non-nil) pointer for empty bytes.
func nullable(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    bytes.baseAddress == nil ? UnsafeRawBufferPointer(start: emptyBytes, count: 0) : bytes
}

/// Calls `body` with nil for nil bytes, else with their (never nil-based) pointer.
func withNullableBytes<Result>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body(nullable($0)) }
}

/// An `rd_kafka_headers_t` copied from Swift headers, or nil when there are none. The caller owns it
/// until a successful produce hands it to librdkafka.
func makeNativeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer? {
    guard !headers.isEmpty, let list = rd_kafka_headers_new(headers.count) else { return nil }
    for header in headers {
        withNullableBytes(header.value) { value in
            _ = rd_kafka_header_add(list, header.key, -1, value?.baseAddress, value?.count ?? 0)
        }
    }
    return list
}

extension UnsafeRawBufferPointer {
    /// The bytes of `slice`, for librdkafka (never nil-based).
    func nullableSlice(_ slice: ProducerBatch.Slice) -> UnsafeRawBufferPointer {
        nullable(UnsafeRawBufferPointer(rebasing: self[slice.offset..<slice.offset + slice.count]))
    }
}
