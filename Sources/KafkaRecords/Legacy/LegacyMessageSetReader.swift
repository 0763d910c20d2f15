import KafkaProtocol
import NIOCore

extension LegacyMessageSet {
    /// Decodes a magic 0/1 message set (a Produce v0–v2 request's records) into its messages,
    /// unwrapping compressed wrapper messages and resolving magic 1's relative inner offsets
    /// (absolute = wrapper offset - last inner offset + inner offset) and LogAppendTime wrappers.
    /// Every message's CRC-32 is checked. Each wrapper decompresses to at most `decompressionLimit` bytes.
    public static func decode(
        _ buffer: ByteBuffer, decompressionLimit: Int = Compression.defaultDecompressionLimit
    ) throws -> [LegacyMessage] {
        var messages: [LegacyMessage] = []
        for message in try readMessages(buffer) {
            guard let codec = message.codec else {
                throw RecordBatchError.unknownCodec(attributes: Int16(message.attributes), position: message.position, baseOffset: message.offset)
            }
            if codec == .none {
                messages.append(message.resolved(offset: message.offset, timestamp: message.timestamp))
            } else {
                try unwrap(message, codec: codec, limit: decompressionLimit, into: &messages)
            }
        }
        return messages
    }

    private static func unwrap(_ wrapper: RawLegacyMessage, codec: CompressionCodec, limit: Int, into messages: inout [LegacyMessage]) throws {
        guard let compressed = wrapper.value else {
            throw RecordBatchError.invalidRecord(reason: "compressed wrapper message has a null value", baseOffset: wrapper.offset)
        }
        let inner: [RawLegacyMessage]
        do {
            inner = try readMessages(try decompress(compressed, codec: codec, magic: wrapper.magic, limit: limit))
        } catch let error as CompressionError {
            throw RecordBatchError(error, baseOffset: wrapper.offset)
        }
        guard let lastInnerOffset = inner.last?.offset else {
            throw RecordBatchError.invalidRecord(reason: "compressed wrapper message holds no messages", baseOffset: wrapper.offset)
        }
        for message in inner {
            guard message.codec == CompressionCodec.none, message.magic == wrapper.magic else {
                throw RecordBatchError.invalidRecord(
                    reason: "message inside a compressed wrapper must be uncompressed and of the wrapper's magic", baseOffset: wrapper.offset)
            }
            switch wrapper.magic {
            case .v0:
                messages.append(message.resolved(offset: message.offset, timestamp: message.timestamp))
            case .v1:
                // Wrapping arithmetic: the offsets come from the network and must not trap.
                let offset = Offset(wrapper.offset.rawValue &+ (message.offset.rawValue &- lastInnerOffset.rawValue))
                if wrapper.isLogAppendTime {
                    messages.append(message.resolved(offset: offset, timestamp: wrapper.timestamp, isLogAppendTime: true))
                } else {
                    messages.append(message.resolved(offset: offset, timestamp: message.timestamp))
                }
            }
        }
    }

    private static func decompress(_ value: ByteBuffer, codec: CompressionCodec, magic: LegacyMagic, limit: Int) throws -> ByteBuffer {
        if codec == .lz4 && magic == .v0 {
            return try LZ4Codec.decompress(value, limit: limit, legacyHeaderChecksum: true)
        }
        return try Compression.decompress(value, codec: codec, limit: limit)
    }

    /// Splits a message set into its messages without decompressing any.
    private static func readMessages(_ buffer: ByteBuffer) throws -> [RawLegacyMessage] {
        var messages: [RawLegacyMessage] = []
        var position = buffer.readerIndex
        while position < buffer.writerIndex {
            let message = try RawLegacyMessage.read(buffer, at: position)
            messages.append(message)
            position += message.totalSize
        }
        return messages
    }
}

/// One legacy message as stored, before wrappers are opened.
struct RawLegacyMessage {
    var position: Int
    var offset: Offset
    var totalSize: Int
    var magic: LegacyMagic
    var attributes: Int8
    var timestamp: Int64
    var key: ByteBuffer?
    var value: ByteBuffer?

    var codec: CompressionCodec? { CompressionCodec(rawValue: attributes & LegacyLayout.codecMask) }
    var isLogAppendTime: Bool { magic == .v1 && attributes & LegacyLayout.logAppendTimeFlag != 0 }

    func resolved(offset: Offset, timestamp: Int64, isLogAppendTime: Bool? = nil) -> LegacyMessage {
        LegacyMessage(offset: offset, timestamp: timestamp, isLogAppendTime: isLogAppendTime ?? self.isLogAppendTime, key: key, value: value)
    }

    /// Reads and CRC-checks the message at absolute index `position`.
    static func read(_ buffer: ByteBuffer, at position: Int) throws -> RawLegacyMessage {
        let available = buffer.writerIndex - position
        guard available >= LegacyLayout.magicOffset + 1,
              let offset = buffer.getInteger(at: position, as: Int64.self),
              let size = buffer.getInteger(at: position + 8, as: Int32.self),
              let storedCRC = buffer.getInteger(at: position + LegacyLayout.crcOffset, as: UInt32.self),
              let rawMagic = buffer.getInteger(at: position + LegacyLayout.magicOffset, as: Int8.self) else {
            throw RecordBatchError.truncated(what: "legacy message header", position: position, needed: LegacyLayout.magicOffset + 1, available: max(0, available))
        }
        guard let magic = LegacyMagic(rawValue: rawMagic) else {
            throw RecordBatchError.invalidRecord(reason: "magic \(rawMagic) message inside a legacy message set", baseOffset: Offset(offset))
        }
        guard Int(size) >= LegacyLayout.minimumMessageSize(magic) else {
            throw RecordBatchError.invalidBatchLength(size, position: position)
        }
        let totalSize = LegacyLayout.logOverhead + Int(size)
        guard totalSize <= available else {
            throw RecordBatchError.truncated(what: "legacy message", position: position, needed: totalSize, available: available)
        }
        let crcStart = position + LegacyLayout.magicOffset
        let actualCRC = crc32IEEE(buffer, at: crcStart, length: position + totalSize - crcStart)
        guard actualCRC == storedCRC else {
            throw RecordBatchError.corruptCRC(expected: storedCRC, actual: actualCRC, position: position, baseOffset: Offset(offset))
        }
        let attributes = buffer.getInteger(at: position + LegacyLayout.attributesOffset, as: Int8.self) ?? 0
        let timestamp = magic == .v1 ? buffer.getInteger(at: position + LegacyLayout.timestampOffset, as: Int64.self) ?? 0 : LegacyMessage.noTimestamp
        let bodyStart = crcStart + LegacyLayout.headerSize(magic)
        guard var body = buffer.getSlice(at: bodyStart, length: position + totalSize - bodyStart) else {
            throw RecordBatchError.truncated(what: "legacy message body", position: position, needed: totalSize, available: available)
        }
        do {
            let key = try body.readKafkaNullableBytes(compact: false)
            let value = try body.readKafkaNullableBytes(compact: false)
            guard body.readableBytes == 0 else {
                throw RecordBatchError.invalidRecord(reason: "\(body.readableBytes) bytes after the value of a legacy message", baseOffset: Offset(offset))
            }
            return RawLegacyMessage(
                position: position, offset: Offset(offset), totalSize: totalSize, magic: magic,
                attributes: attributes, timestamp: timestamp, key: key, value: value)
        } catch let error as ProtocolDecodingError {
            throw RecordBatchError.invalidRecord(reason: "legacy message: \(error)", baseOffset: Offset(offset))
        }
    }
}
