import NIOCore

/// One record inside a magic-v2 batch, as stored: offset and timestamp are deltas from the
/// batch header (see `RecordBatch.offset(of:)` and `timestamp(of:)` for absolute values).
/// Keys, values and header values are slices of the batch's (decompressed) bytes; nil means null.
public struct Record: Sendable, Equatable {
    /// Unused by Kafka so far; kept so a record round-trips byte for byte.
    public var attributes: Int8
    public var timestampDelta: Int64
    public var offsetDelta: Int32
    public var key: ByteBuffer?
    public var value: ByteBuffer?
    public var headers: [RecordHeader]

    public init(
        attributes: Int8 = 0, timestampDelta: Int64, offsetDelta: Int32,
        key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = []
    ) {
        self.attributes = attributes
        self.timestampDelta = timestampDelta
        self.offsetDelta = offsetDelta
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// A record header: a UTF-8 key (never null) and a nullable value.
public struct RecordHeader: Sendable, Equatable {
    public var key: String
    public var value: ByteBuffer?

    public init(key: String, value: ByteBuffer?) {
        self.key = key
        self.value = value
    }
}
