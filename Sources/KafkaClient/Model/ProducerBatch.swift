import NIOCore

/// Records produced by one `KafkaProducer.enqueue(_:onDelivery:)`, their values slices of one
/// `ByteBuffer`. librdkafka reads the values in place until their delivery reports instead of
/// copying each one, and the producer keeps the buffer alive until then; a batch of lines read from
/// a file can so be produced straight from the read buffer. Keys (which librdkafka always copies)
/// are slices of a second buffer; topics and header lists are stored once for the run of records
/// that share them (usually the whole batch).
public struct ProducerBatch: Sendable {
    /// `count` bytes at `offset`, counted from the start of a buffer's readable bytes.
    public struct Slice: Sendable, Hashable {
        public var offset: Int
        public var count: Int

        public init(offset: Int, count: Int) {
            self.offset = offset
            self.count = count
        }
    }

    struct Record: Sendable {
        var topic: Int
        var key: Slice?
        var value: Slice?
        var headers: Int?
        var timestamp: KafkaTimestamp?
        var partition: Int32?
    }

    /// The bytes the records' values are slices of.
    public private(set) var bytes: ByteBuffer
    /// The bytes the records' keys are slices of.
    private(set) var keyBytes = ByteBuffer()
    private(set) var topics: [String] = []
    private(set) var headerLists: [[KafkaHeader]] = []
    private(set) var records: [Record] = []

    /// A batch over `bytes` (value slices name its readable bytes); `write` appends more.
    public init(bytes: ByteBuffer = ByteBuffer(), expectedCount: Int = 0) {
        self.bytes = bytes
        records.reserveCapacity(expectedCount)
    }

    public var count: Int { records.count }
    public var isEmpty: Bool { records.isEmpty }

    /// Appends to the value bytes and returns where they are, for a value encoded per record.
    public mutating func write(_ newBytes: some Collection<UInt8>) -> Slice {
        let offset = bytes.readableBytes
        bytes.writeBytes(newBytes)
        return Slice(offset: offset, count: newBytes.count)
    }

    /// Appends to the key bytes and returns where they are.
    public mutating func writeKey(_ key: some Collection<UInt8>) -> Slice {
        let offset = keyBytes.readableBytes
        keyBytes.writeBytes(key)
        return Slice(offset: offset, count: key.count)
    }

    /// Adds a record: `key` a slice from `writeKey`, `value` one of `bytes`. A nil `value` is a
    /// tombstone; a nil `partition` lets the partitioner choose; a nil `timestamp` lets librdkafka
    /// stamp the current time.
    public mutating func append(
        topic: String, key: Slice?, value: Slice?, headers: [KafkaHeader] = [], timestamp: KafkaTimestamp? = nil,
        partition: Int32? = nil
    ) {
        precondition(Self.slice(key, isIn: keyBytes) && Self.slice(value, isIn: bytes), "a record's key or value lies outside the batch's bytes")
        if topics.last != topic { topics.append(topic) }
        var headerIndex: Int?
        if !headers.isEmpty {
            if headerLists.last != headers { headerLists.append(headers) }
            headerIndex = headerLists.count - 1
        }
        records.append(Record(topic: topics.count - 1, key: key, value: value, headers: headerIndex, timestamp: timestamp,
                              partition: partition))
    }

    /// The records as messages (copies of their bytes), to inspect a batch.
    public var messages: [ProducerMessage] {
        records.map { record in
            ProducerMessage(
                topic: topics[record.topic], key: record.key.map { Self.copy($0, of: keyBytes) },
                value: record.value.map { Self.copy($0, of: bytes) }, headers: record.headers.map { headerLists[$0] } ?? [],
                partition: record.partition, timestamp: record.timestamp)
        }
    }

    private static func slice(_ slice: Slice?, isIn buffer: ByteBuffer) -> Bool {
        guard let slice else { return true }
        return slice.offset >= 0 && slice.count >= 0 && slice.offset + slice.count <= buffer.readableBytes
    }

    private static func copy(_ slice: Slice, of buffer: ByteBuffer) -> [UInt8] {
        buffer.getBytes(at: buffer.readerIndex + slice.offset, length: slice.count) ?? []
    }
}
