import KafkaProtocol
import NIOCore

/// The wire form of a v2 record (docs/implementation.html, "Record"):
/// length varint · attributes int8 · timestampDelta varlong · offsetDelta varint ·
/// keyLength varint · key · valueLength varint · value · headerCount varint ·
/// [headerKeyLength varint · headerKey · headerValueLength varint · headerValue].
/// Lengths of -1 mean null. The length prefix covers everything after it, and a record must fill it exactly.
extension Record {
    /// Reads one record, throwing `RecordBatchError.invalidRecord` for anything malformed.
    static func read(from buffer: inout ByteBuffer, baseOffset: Offset) throws -> Record {
        do {
            let length = Int(try buffer.readVarint())
            guard length >= 0, var body = buffer.readSlice(length: length) else {
                throw RecordBatchError.invalidRecord(reason: "record length \(length) exceeds the \(buffer.readableBytes) bytes left", baseOffset: baseOffset)
            }
            let attributes = try body.readKafkaInt8()
            let timestampDelta = try body.readVarlong()
            let offsetDelta = try body.readVarint()
            let key = try readNullableBytes(from: &body, what: "key", baseOffset: baseOffset)
            let value = try readNullableBytes(from: &body, what: "value", baseOffset: baseOffset)
            let headerCount = Int(try body.readVarint())
            guard headerCount >= 0, headerCount <= body.readableBytes else {
                throw RecordBatchError.invalidRecord(reason: "invalid header count \(headerCount)", baseOffset: baseOffset)
            }
            var headers: [RecordHeader] = []
            headers.reserveCapacity(headerCount)
            for _ in 0..<headerCount {
                guard let keyBytes = try readNullableBytes(from: &body, what: "header key", baseOffset: baseOffset) else {
                    throw RecordBatchError.invalidRecord(reason: "null header key", baseOffset: baseOffset)
                }
                let headerValue = try readNullableBytes(from: &body, what: "header value", baseOffset: baseOffset)
                headers.append(RecordHeader(key: String(buffer: keyBytes), value: headerValue))
            }
            guard body.readableBytes == 0 else {
                throw RecordBatchError.invalidRecord(
                    reason: "record at offset delta \(offsetDelta) has \(body.readableBytes) bytes past its last header",
                    baseOffset: baseOffset)
            }
            return Record(
                attributes: attributes, timestampDelta: timestampDelta, offsetDelta: offsetDelta,
                key: key, value: value, headers: headers)
        } catch let error as ProtocolDecodingError {
            throw RecordBatchError.invalidRecord(reason: error.description, baseOffset: baseOffset)
        }
    }

    private static func readNullableBytes(from body: inout ByteBuffer, what: String, baseOffset: Offset) throws -> ByteBuffer? {
        let length = Int(try body.readVarint())
        if length == -1 { return nil }
        guard length >= 0, let bytes = body.readSlice(length: length) else {
            throw RecordBatchError.invalidRecord(reason: "\(what) length \(length) exceeds the \(body.readableBytes) bytes left", baseOffset: baseOffset)
        }
        return bytes
    }

    /// Appends the record in wire form.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeVarint(Int32(truncatingIfNeeded: bodySize))
        buffer.writeInteger(attributes)
        buffer.writeVarlong(timestampDelta)
        buffer.writeVarint(offsetDelta)
        Self.writeNullableBytes(key, to: &buffer)
        Self.writeNullableBytes(value, to: &buffer)
        buffer.writeVarint(Int32(truncatingIfNeeded: headers.count))
        for header in headers {
            buffer.writeVarint(Int32(truncatingIfNeeded: header.key.utf8.count))
            buffer.writeString(header.key)
            Self.writeNullableBytes(header.value, to: &buffer)
        }
    }

    /// Bytes after the length prefix.
    var bodySize: Int {
        var size = 1 + varintSize(timestampDelta) + varintSize(Int64(offsetDelta))
        size += Self.nullableBytesSize(key) + Self.nullableBytesSize(value)
        size += varintSize(Int64(headers.count))
        for header in headers {
            let keyLength = header.key.utf8.count
            size += varintSize(Int64(keyLength)) + keyLength + Self.nullableBytesSize(header.value)
        }
        return size
    }

    /// Bytes the record occupies in a batch, length prefix included.
    var encodedSize: Int { varintSize(Int64(bodySize)) + bodySize }

    private static func nullableBytesSize(_ bytes: ByteBuffer?) -> Int {
        guard let bytes else { return 1 }
        return varintSize(Int64(bytes.readableBytes)) + bytes.readableBytes
    }

    private static func writeNullableBytes(_ bytes: ByteBuffer?, to buffer: inout ByteBuffer) {
        guard var bytes else {
            buffer.writeVarint(-1)
            return
        }
        buffer.writeVarint(Int32(truncatingIfNeeded: bytes.readableBytes))
        buffer.writeBuffer(&bytes)
    }
}
