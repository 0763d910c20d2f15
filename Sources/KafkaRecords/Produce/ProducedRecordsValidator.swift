import KafkaProtocol
import NIOCore

/// A batch the produce validator accepted: its absolute index in the request buffer and its header.
public struct ValidatedBatch: Sendable, Equatable {
    public let position: Int
    public let header: RecordBatchHeader
}

/// The broker's check of a Produce request's records before it appends them.
///
/// This is the hot path, so it neither decompresses nor parses records: it walks the batch
/// headers and runs one CRC-32C pass over each batch. A buffer it accepts is a sequence of
/// complete magic-v2 batches whose CRCs match, each within `maxBatchBytes`, each with a known
/// codec, at least one record and offset deltas that can be contiguous (lastOffsetDelta ==
/// recordCount - 1), and none a control batch (only the broker writes those).
/// It does not check the offset deltas inside the records themselves.
public enum ProducedRecordsValidator {
    /// Validates every batch in `records` (from its reader index to its writer index).
    /// Throws a `RecordBatchError` whose `errorCode` is what the Produce response carries;
    /// `.legacyMagic` means the request holds a magic 0/1 message set, which
    /// `LegacyMessageSet.convertToV2` turns into a batch this validator accepts.
    public static func validate(_ records: ByteBuffer, maxBatchBytes: Int) throws -> [ValidatedBatch] {
        guard records.readableBytes > 0 else {
            throw RecordBatchError.invalidRecord(reason: "produce request has no record batches", baseOffset: Offset(-1))
        }
        var batches: [ValidatedBatch] = []
        var position = records.readerIndex
        while position < records.writerIndex {
            let header = try validateBatch(in: records, at: position, maxBatchBytes: maxBatchBytes)
            batches.append(ValidatedBatch(position: position, header: header))
            position += header.totalSize
        }
        return batches
    }

    private static func validateBatch(in records: ByteBuffer, at position: Int, maxBatchBytes: Int) throws -> RecordBatchHeader {
        let header = try RecordBatchHeader.readFramed(records, at: position)
        guard header.totalSize <= maxBatchBytes else {
            throw RecordBatchError.batchTooLarge(size: header.totalSize, limit: maxBatchBytes, position: position, baseOffset: header.baseOffset)
        }
        try header.verifyCRC(in: records, at: position)
        _ = try header.codec(position: position)
        guard header.recordCount >= 1, header.lastOffsetDelta == header.recordCount - 1 else {
            throw RecordBatchError.invalidRecordCount(
                recordCount: header.recordCount, lastOffsetDelta: header.lastOffsetDelta, baseOffset: header.baseOffset)
        }
        guard !header.attributes.isControl else {
            throw RecordBatchError.invalidRecord(reason: "clients may not produce control batches", baseOffset: header.baseOffset)
        }
        return header
    }
}
