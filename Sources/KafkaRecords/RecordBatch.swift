import KafkaProtocol
import NIOCore

/// A decoded magic-v2 record batch: its header and every record in it.
///
/// A batch returned by `read(from:decompressionLimit:)` has passed its CRC check, and its
/// `records.count` equals `header.recordCount`.
public struct RecordBatch: Sendable, Equatable {
    public var header: RecordBatchHeader
    public var records: [Record]

    public init(header: RecordBatchHeader, records: [Record]) {
        self.header = header
        self.records = records
    }

    /// The absolute offset of `record` in its partition. Arithmetic wraps rather than trapping
    /// on hostile header values.
    public func offset(of record: Record) -> Offset {
        Offset(header.baseOffset.rawValue &+ Int64(record.offsetDelta))
    }

    /// The record's timestamp: the broker's append time for LogAppendTime batches, else the producer's.
    public func timestamp(of record: Record) -> Int64 {
        header.attributes.isLogAppendTime ? header.maxTimestamp : header.baseTimestamp &+ record.timestampDelta
    }

    /// Decodes the batch at the reader index and moves the reader index past it.
    /// Verifies the CRC, decompresses (refusing output over `decompressionLimit` bytes) and
    /// parses every record. On error the reader index is left where it was.
    public static func read(
        from buffer: inout ByteBuffer, decompressionLimit: Int = Compression.defaultDecompressionLimit
    ) throws -> RecordBatch {
        let position = buffer.readerIndex
        let header = try RecordBatchHeader.readFramed(buffer, at: position)
        try header.verifyCRC(in: buffer, at: position)
        let codec = try header.codec(position: position)
        guard var section = buffer.getSlice(at: position + RecordBatchHeader.size, length: header.totalSize - RecordBatchHeader.size) else {
            throw RecordBatchError.truncated(what: "records", position: position, needed: header.totalSize, available: buffer.readableBytes)
        }
        if codec != .none {
            section = try decompress(section, codec: codec, limit: decompressionLimit, baseOffset: header.baseOffset)
        }
        let records = try readRecords(from: &section, header: header)
        buffer.moveReaderIndex(forwardBy: header.totalSize)
        return RecordBatch(header: header, records: records)
    }

    /// Decodes every batch in `buffer`, which must hold only complete v2 batches.
    public static func readAll(
        from buffer: ByteBuffer, decompressionLimit: Int = Compression.defaultDecompressionLimit
    ) throws -> [RecordBatch] {
        var remaining = buffer
        var batches: [RecordBatch] = []
        while remaining.readableBytes > 0 {
            batches.append(try read(from: &remaining, decompressionLimit: decompressionLimit))
        }
        return batches
    }

    private static func decompress(_ section: ByteBuffer, codec: CompressionCodec, limit: Int, baseOffset: Offset) throws -> ByteBuffer {
        do {
            return try Compression.decompress(section, codec: codec, limit: limit)
        } catch let error as CompressionError {
            throw RecordBatchError(error, baseOffset: baseOffset)
        }
    }

    /// Parses records until the section is used up, then checks their number against the header.
    private static func readRecords(from section: inout ByteBuffer, header: RecordBatchHeader) throws -> [Record] {
        var records: [Record] = []
        // Every record takes at least 7 bytes, which bounds what a lying recordCount can reserve.
        records.reserveCapacity(min(max(0, Int(header.recordCount)), section.readableBytes / 7))
        while section.readableBytes > 0 {
            records.append(try Record.read(from: &section, baseOffset: header.baseOffset))
        }
        guard records.count == Int(header.recordCount) else {
            throw RecordBatchError.recordCountMismatch(declared: header.recordCount, actual: records.count, baseOffset: header.baseOffset)
        }
        return records
    }
}
