import KafkaProtocol
import NIOCore

/// A record as a producer hands it over: the batch builder assigns its offset delta.
public struct ProducerRecord: Sendable, Equatable {
    public var key: ByteBuffer?
    public var value: ByteBuffer?
    public var headers: [RecordHeader]
    /// Milliseconds since the epoch (CreateTime), or -1 when unknown (records converted from magic 0).
    public var timestamp: Int64

    public init(key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = [], timestamp: Int64) {
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// Encodes records into one complete magic-v2 batch: lengths, CRC-32C and compression as Kafka
/// clients write them. Records get consecutive offset deltas 0..n-1; the first record's timestamp
/// is the base timestamp, as in the Java client.
public struct RecordBatchBuilder: Sendable {
    public var baseOffset: Offset
    public var codec: CompressionCodec
    public var producerID: ProducerID
    public var producerEpoch: ProducerEpoch
    /// -1 for a producer without idempotence.
    public var baseSequence: Int32
    public var isTransactional: Bool
    /// Set by the broker for transaction markers only.
    public var isControl: Bool
    public var partitionLeaderEpoch: LeaderEpoch

    public init(
        baseOffset: Offset = 0, codec: CompressionCodec = .none,
        producerID: ProducerID = .none, producerEpoch: ProducerEpoch = .none, baseSequence: Int32 = -1,
        isTransactional: Bool = false, isControl: Bool = false, partitionLeaderEpoch: LeaderEpoch = .unknown
    ) {
        self.baseOffset = baseOffset
        self.codec = codec
        self.producerID = producerID
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.isTransactional = isTransactional
        self.isControl = isControl
        self.partitionLeaderEpoch = partitionLeaderEpoch
    }

    /// The batch bytes for `records`, which must not be empty (Kafka never writes an empty batch from records).
    /// Throws only if the compression library fails.
    public func build(_ records: [ProducerRecord]) throws -> ByteBuffer {
        precondition(!records.isEmpty, "a record batch needs at least one record")
        let baseTimestamp = records[0].timestamp
        let encoded = records.enumerated().map { index, record in
            Record(
                timestampDelta: record.timestamp &- baseTimestamp, offsetDelta: Int32(truncatingIfNeeded: index),
                key: record.key, value: record.value, headers: record.headers)
        }
        var section = ByteBufferAllocator().buffer(capacity: encoded.reduce(0) { $0 + $1.encodedSize })
        for record in encoded { record.write(to: &section) }
        section = try Compression.compress(section, codec: codec)

        let header = RecordBatchHeader(
            baseOffset: baseOffset,
            batchLength: Int32(truncatingIfNeeded: RecordBatchHeader.size - RecordBatchHeader.logOverhead + section.readableBytes),
            partitionLeaderEpoch: partitionLeaderEpoch, crc: 0,
            attributes: BatchAttributes(compression: codec, transactional: isTransactional, control: isControl),
            lastOffsetDelta: Int32(truncatingIfNeeded: records.count - 1),
            baseTimestamp: baseTimestamp, maxTimestamp: records.map(\.timestamp).max() ?? baseTimestamp,
            producerID: producerID, producerEpoch: producerEpoch, baseSequence: baseSequence,
            recordCount: Int32(truncatingIfNeeded: records.count))
        var batch = ByteBufferAllocator().buffer(capacity: header.totalSize)
        header.write(to: &batch)
        batch.writeBuffer(&section)
        let crc = RecordBatchHeader.computeCRC(of: batch, batchAt: batch.readerIndex, totalSize: header.totalSize)
        batch.setInteger(crc, at: batch.readerIndex + RecordBatchHeader.crcOffset)
        return batch
    }
}
