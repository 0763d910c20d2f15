import CCRC32C
import KafkaProtocol
import NIOCore

/// The fixed 61-byte header of a magic v2 record batch, read without touching the records.
///
/// Layout (docs/implementation.html, "Record Batch"):
/// baseOffset int64 · batchLength int32 · partitionLeaderEpoch int32 · magic int8 · crc uint32 ·
/// attributes int16 · lastOffsetDelta int32 · baseTimestamp int64 · maxTimestamp int64 ·
/// producerId int64 · producerEpoch int16 · baseSequence int32 · recordCount int32.
/// The CRC covers everything from `attributes` to the end of the batch, so the broker can
/// rewrite `baseOffset` and `partitionLeaderEpoch` in place without recomputing it.
public struct RecordBatchHeader: Sendable, Equatable {
    public static let size = 61
    /// Bytes before `batchLength`'s coverage starts (baseOffset + batchLength).
    public static let logOverhead = 12
    public static let crcOffset = 17
    public static let attributesOffset = 21
    public static let partitionLeaderEpochOffset = 12
    public static let magicOffset = 16
    public static let maxTimestampOffset = 35

    public var baseOffset: Offset
    /// Bytes after the `batchLength` field: the batch occupies `logOverhead + batchLength` bytes.
    public var batchLength: Int32
    public var partitionLeaderEpoch: LeaderEpoch
    public var magic: Int8
    public var crc: UInt32
    public var attributes: BatchAttributes
    public var lastOffsetDelta: Int32
    public var baseTimestamp: Int64
    public var maxTimestamp: Int64
    public var producerID: ProducerID
    public var producerEpoch: ProducerEpoch
    public var baseSequence: Int32
    public var recordCount: Int32

    public init(
        baseOffset: Offset, batchLength: Int32, partitionLeaderEpoch: LeaderEpoch, magic: Int8 = 2, crc: UInt32,
        attributes: BatchAttributes, lastOffsetDelta: Int32, baseTimestamp: Int64, maxTimestamp: Int64,
        producerID: ProducerID, producerEpoch: ProducerEpoch, baseSequence: Int32, recordCount: Int32
    ) {
        self.baseOffset = baseOffset
        self.batchLength = batchLength
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.magic = magic
        self.crc = crc
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp
        self.producerID = producerID
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.recordCount = recordCount
    }

    /// Total bytes of the batch on disk and on the wire.
    public var totalSize: Int { Self.logOverhead + Int(batchLength) }
    /// Wraps instead of trapping: the header may come from an untrusted client.
    public var lastOffset: Offset { Offset(baseOffset.rawValue &+ Int64(lastOffsetDelta)) }
    public var nextOffset: Offset { Offset(lastOffset.rawValue &+ 1) }
    /// Sequence number of the last record, wrapping at Int32.max as Kafka does.
    public var lastSequence: Int32 {
        baseSequence < 0 ? -1 : Int32(truncatingIfNeeded: (Int64(baseSequence) + Int64(lastOffsetDelta)) % (Int64(Int32.max) + 1))
    }

    /// Reads the header at `index` in `buffer` without moving the reader index.
    /// Returns nil when fewer than `size` bytes are there.
    public static func peek(_ buffer: ByteBuffer, at index: Int) -> RecordBatchHeader? {
        guard index >= buffer.readerIndex, buffer.writerIndex - index >= size else { return nil }
        return RecordBatchHeader(
            baseOffset: Offset(buffer.getInteger(at: index, as: Int64.self)!),
            batchLength: buffer.getInteger(at: index + 8, as: Int32.self)!,
            partitionLeaderEpoch: LeaderEpoch(buffer.getInteger(at: index + 12, as: Int32.self)!),
            magic: buffer.getInteger(at: index + 16, as: Int8.self)!,
            crc: buffer.getInteger(at: index + 17, as: UInt32.self)!,
            attributes: BatchAttributes(rawValue: buffer.getInteger(at: index + 21, as: Int16.self)!),
            lastOffsetDelta: buffer.getInteger(at: index + 23, as: Int32.self)!,
            baseTimestamp: buffer.getInteger(at: index + 27, as: Int64.self)!,
            maxTimestamp: buffer.getInteger(at: index + 35, as: Int64.self)!,
            producerID: ProducerID(buffer.getInteger(at: index + 43, as: Int64.self)!),
            producerEpoch: ProducerEpoch(buffer.getInteger(at: index + 51, as: Int16.self)!),
            baseSequence: buffer.getInteger(at: index + 53, as: Int32.self)!,
            recordCount: buffer.getInteger(at: index + 57, as: Int32.self)!
        )
    }

    /// Writes the 61 header bytes (the CRC as stored in `crc`).
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(baseOffset.rawValue)
        buffer.writeInteger(batchLength)
        buffer.writeInteger(partitionLeaderEpoch.rawValue)
        buffer.writeInteger(magic)
        buffer.writeInteger(crc)
        buffer.writeInteger(attributes.rawValue)
        buffer.writeInteger(lastOffsetDelta)
        buffer.writeInteger(baseTimestamp)
        buffer.writeInteger(maxTimestamp)
        buffer.writeInteger(producerID.rawValue)
        buffer.writeInteger(producerEpoch.rawValue)
        buffer.writeInteger(baseSequence)
        buffer.writeInteger(recordCount)
    }

    /// CRC-32C over the bytes the header's `crc` covers (attributes .. end of batch),
    /// for a complete batch starting at `index`.
    public static func computeCRC(of buffer: ByteBuffer, batchAt index: Int, totalSize: Int) -> UInt32 {
        buffer.withUnsafeReadableBytes { raw in
            let start = index - buffer.readerIndex + attributesOffset
            let length = totalSize - attributesOffset
            return logport_crc32c(0, raw.baseAddress! + start, length)
        }
    }
}

/// Batch attribute bits: compression codec, timestamp type, transactional, control.
public struct BatchAttributes: Sendable, Equatable, Hashable {
    public var rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let logAppendTimeFlag: Int16 = 0x08
    public static let transactionalFlag: Int16 = 0x10
    public static let controlFlag: Int16 = 0x20

    public var compression: CompressionCodec? { CompressionCodec(rawValue: Int8(rawValue & 0x07)) }
    /// True when timestamps are LogAppendTime (set by the broker), false for CreateTime.
    public var isLogAppendTime: Bool { rawValue & Self.logAppendTimeFlag != 0 }
    public var isTransactional: Bool { rawValue & Self.transactionalFlag != 0 }
    public var isControl: Bool { rawValue & Self.controlFlag != 0 }
    public var hasDeleteHorizon: Bool { rawValue & 0x40 != 0 }

    public init(compression: CompressionCodec, logAppendTime: Bool = false, transactional: Bool = false, control: Bool = false) {
        var raw = Int16(compression.rawValue)
        if logAppendTime { raw |= Self.logAppendTimeFlag }
        if transactional { raw |= Self.transactionalFlag }
        if control { raw |= Self.controlFlag }
        self.rawValue = raw
    }
}

/// The compression codec in a batch's attributes (and in legacy message attributes).
public enum CompressionCodec: Int8, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4

    public var description: String {
        switch self {
        case .none: return "none"
        case .gzip: return "gzip"
        case .snappy: return "snappy"
        case .lz4: return "lz4"
        case .zstd: return "zstd"
        }
    }

    public init?(name: String) {
        guard let codec = Self.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
        self = codec
    }
}

/// CRC-32C of arbitrary bytes.
public func crc32c(_ buffer: ByteBuffer) -> UInt32 {
    buffer.withUnsafeReadableBytes { logport_crc32c(0, $0.baseAddress, $0.count) }
}
