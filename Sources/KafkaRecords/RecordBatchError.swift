import KafkaProtocol

/// Why a record batch (or a legacy message set) was rejected.
///
/// Every case names where in the input the problem sits: `position` is the batch's index in the
/// buffer that was handed in, `baseOffset` the offset its header claims. The broker adds topic and
/// partition when it logs the error and turns it into a response with `errorCode`.
public enum RecordBatchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the structure at `position` needs.
    case truncated(what: String, position: Int, needed: Int, available: Int)
    /// A `batchLength` (or legacy message size) too small to hold a header, or negative.
    case invalidBatchLength(Int32, position: Int)
    /// The stored CRC does not match the bytes it covers.
    case corruptCRC(expected: UInt32, actual: UInt32, position: Int, baseOffset: Offset)
    /// Magic 0 or 1: a legacy message set, which `LegacyMessageSet` reads and converts.
    case legacyMagic(Int8, position: Int)
    /// A magic byte no Kafka version ever wrote.
    case unsupportedMagic(Int8, position: Int)
    /// Compression bits 5, 6 or 7 in the attributes.
    case unknownCodec(attributes: Int16, position: Int, baseOffset: Offset)
    /// The compressed records section could not be decompressed.
    case decompressionFailed(codec: CompressionCodec, reason: String, baseOffset: Offset)
    /// The records section decompresses to more than the configured limit (a zip bomb, or a limit set too low).
    case decompressedSizeLimitExceeded(codec: CompressionCodec, limit: Int, baseOffset: Offset)
    /// The header's recordCount differs from the records actually in the batch.
    case recordCountMismatch(declared: Int32, actual: Int, baseOffset: Offset)
    /// recordCount / lastOffsetDelta that a producer may not send (no records, or offsets not contiguous).
    case invalidRecordCount(recordCount: Int32, lastOffsetDelta: Int32, baseOffset: Offset)
    /// A record inside the batch is malformed (bad lengths, trailing bytes, a control batch from a client…).
    case invalidRecord(reason: String, baseOffset: Offset)
    /// A batch larger than the topic's max.message.bytes.
    case batchTooLarge(size: Int, limit: Int, position: Int, baseOffset: Offset)

    /// The batch-level form of a failure to decompress the records of the batch at `baseOffset`.
    init(_ error: CompressionError, baseOffset: Offset) {
        switch error {
        case let .limitExceeded(codec, limit):
            self = .decompressedSizeLimitExceeded(codec: codec, limit: limit, baseOffset: baseOffset)
        case let .corrupt(codec, reason), let .compressionFailed(codec, reason):
            self = .decompressionFailed(codec: codec, reason: reason, baseOffset: baseOffset)
        }
    }

    /// The Kafka error code the broker returns for this problem in a Produce response.
    public var errorCode: ErrorCode {
        switch self {
        case .truncated, .invalidBatchLength, .corruptCRC, .unsupportedMagic, .decompressionFailed:
            return .corruptMessage
        case .legacyMagic, .recordCountMismatch, .invalidRecordCount, .invalidRecord:
            return .invalidRecord
        case .unknownCodec:
            return .unsupportedCompressionType
        case .batchTooLarge, .decompressedSizeLimitExceeded:
            return .messageTooLarge
        }
    }

    public var description: String {
        switch self {
        case let .truncated(what, position, needed, available):
            return "truncated \(what) at byte \(position): needs \(needed) bytes, \(available) available"
        case let .invalidBatchLength(length, position):
            return "invalid batch length \(length) at byte \(position)"
        case let .corruptCRC(expected, actual, position, baseOffset):
            return "CRC mismatch in batch at byte \(position) (base offset \(baseOffset)): stored "
                + "0x\(String(expected, radix: 16)), computed 0x\(String(actual, radix: 16))"
        case let .legacyMagic(magic, position):
            return "legacy message set (magic \(magic)) at byte \(position) where a v2 record batch was expected"
        case let .unsupportedMagic(magic, position):
            return "unsupported magic \(magic) at byte \(position)"
        case let .unknownCodec(attributes, position, baseOffset):
            return "unknown compression codec \(attributes & 0x07) in batch at byte \(position) (base offset \(baseOffset))"
        case let .decompressionFailed(codec, reason, baseOffset):
            return "\(codec) decompression failed for batch at base offset \(baseOffset): \(reason)"
        case let .decompressedSizeLimitExceeded(codec, limit, baseOffset):
            return "\(codec) batch at base offset \(baseOffset) decompresses to more than \(limit) bytes"
        case let .recordCountMismatch(declared, actual, baseOffset):
            return "batch at base offset \(baseOffset) declares \(declared) records but holds \(actual)"
        case let .invalidRecordCount(recordCount, lastOffsetDelta, baseOffset):
            return "batch at base offset \(baseOffset) has recordCount \(recordCount) and lastOffsetDelta "
                + "\(lastOffsetDelta); a produced batch needs recordCount >= 1 and lastOffsetDelta == recordCount - 1"
        case let .invalidRecord(reason, baseOffset):
            return "invalid record in batch at base offset \(baseOffset): \(reason)"
        case let .batchTooLarge(size, limit, position, baseOffset):
            return "batch at byte \(position) (base offset \(baseOffset)) is \(size) bytes, over the \(limit)-byte limit"
        }
    }
}
