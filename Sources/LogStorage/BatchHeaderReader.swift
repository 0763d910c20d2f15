import KafkaProtocol
import KafkaRecords
import NIOCore

/// What is at a position of a `.log` file: a plausible batch, the clean end of the data, or bytes
/// that are not a batch (a torn write or corruption) and why.
enum BatchAtPosition {
    case batch(RecordBatchHeader)
    case end
    case invalid(reason: String)
}

extension OpenFile {
    /// Reads and checks the batch header at `position` of a file whose data ends at `end`. With
    /// `verifyCRC` it also reads the whole batch and checks its CRC-32C, as recovery does.
    func batch(at position: Int, end: Int, verifyCRC: Bool) throws -> BatchAtPosition {
        let remaining = end - position
        if remaining == 0 { return .end }
        guard remaining >= RecordBatchHeader.size else {
            return .invalid(reason: "torn batch header: \(remaining) bytes left at position \(position)")
        }
        let headerBytes = try read(at: position, count: RecordBatchHeader.size)
        guard let header = RecordBatchHeader.peek(headerBytes, at: headerBytes.readerIndex) else {
            return .invalid(reason: "short read at position \(position)")
        }
        if let problem = Self.structuralProblem(of: header, remaining: remaining) {
            return .invalid(reason: "\(problem) at position \(position)")
        }
        if verifyCRC {
            let bytes = try read(at: position, count: header.totalSize)
            guard bytes.readableBytes == header.totalSize else {
                return .invalid(reason: "torn batch at position \(position)")
            }
            let crc = RecordBatchHeader.computeCRC(of: bytes, batchAt: bytes.readerIndex, totalSize: header.totalSize)
            guard crc == header.crc else {
                return .invalid(reason: "CRC mismatch at position \(position) (stored \(header.crc), computed \(crc))")
            }
        }
        return .batch(header)
    }

    /// Why a header cannot start a stored batch with `remaining` bytes available, or nil when it can.
    static func structuralProblem(of header: RecordBatchHeader, remaining: Int) -> String? {
        if header.magic != 2 { return "unsupported magic \(header.magic)" }
        if header.totalSize < RecordBatchHeader.size { return "batch length \(header.batchLength) too small" }
        if header.totalSize > remaining {
            return "torn batch: \(header.totalSize) bytes declared, \(remaining) left"
        }
        if header.lastOffsetDelta < 0 { return "negative last offset delta \(header.lastOffsetDelta)" }
        if header.baseOffset.rawValue < 0 { return "negative base offset \(header.baseOffset)" }
        return nil
    }
}
