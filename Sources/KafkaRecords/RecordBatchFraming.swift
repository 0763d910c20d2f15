import NIOCore

/// Checks on a v2 batch's framing that both the decoder and the produce validator need,
/// without touching its records.
extension RecordBatchHeader {
    /// Bytes up to and including the magic byte, which sits at the same place in every
    /// message format (v0/v1 messages and v2 batches), so the format can be told before the rest is read.
    static let sizeThroughMagic = magicOffset + 1
    /// The smallest batchLength that holds a header (Kafka's RECORD_BATCH_OVERHEAD minus the log overhead).
    static let minimumBatchLength = Int32(size - logOverhead)

    /// Reads the header of the batch at `position` (an absolute index in `buffer`) and checks that it
    /// is a v2 batch whose declared length is sane and lies entirely inside the buffer.
    /// Does not verify the CRC: see `verifyCRC(in:at:)`.
    static func readFramed(_ buffer: ByteBuffer, at position: Int) throws -> RecordBatchHeader {
        let available = buffer.writerIndex - position
        guard position >= buffer.readerIndex, available >= sizeThroughMagic,
              let magic = buffer.getInteger(at: position + magicOffset, as: Int8.self) else {
            throw RecordBatchError.truncated(what: "batch header", position: position, needed: sizeThroughMagic, available: max(0, available))
        }
        switch magic {
        case 2: break
        case 0, 1: throw RecordBatchError.legacyMagic(magic, position: position)
        default: throw RecordBatchError.unsupportedMagic(magic, position: position)
        }
        guard let header = peek(buffer, at: position) else {
            throw RecordBatchError.truncated(what: "batch header", position: position, needed: size, available: available)
        }
        guard header.batchLength >= minimumBatchLength else {
            throw RecordBatchError.invalidBatchLength(header.batchLength, position: position)
        }
        guard header.totalSize <= available else {
            throw RecordBatchError.truncated(what: "record batch", position: position, needed: header.totalSize, available: available)
        }
        return header
    }

    /// Throws `corruptCRC` unless the stored CRC matches the bytes of the batch at `position`,
    /// whose framing `readFramed` has checked.
    func verifyCRC(in buffer: ByteBuffer, at position: Int) throws {
        let actual = Self.computeCRC(of: buffer, batchAt: position, totalSize: totalSize)
        guard actual == crc else {
            throw RecordBatchError.corruptCRC(expected: crc, actual: actual, position: position, baseOffset: baseOffset)
        }
    }

    /// The codec in the attributes, or `unknownCodec` for the three unassigned values.
    func codec(position: Int) throws -> CompressionCodec {
        guard let codec = attributes.compression else {
            throw RecordBatchError.unknownCodec(attributes: attributes.rawValue, position: position, baseOffset: baseOffset)
        }
        return codec
    }
}
