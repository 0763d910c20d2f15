import NIOCore

/// Reading Kafka's primitive types (see the protocol guide's "Protocol Primitive Types").
/// Every read throws `ProtocolDecodingError` instead of trapping: the input comes from the network.
extension ByteBuffer {
    @inlinable
    public mutating func readKafkaInt8() throws -> Int8 {
        guard let value = readInteger(as: Int8.self) else { throw ProtocolDecodingError.truncated("int8") }
        return value
    }

    @inlinable
    public mutating func readKafkaInt16() throws -> Int16 {
        guard let value = readInteger(as: Int16.self) else { throw ProtocolDecodingError.truncated("int16") }
        return value
    }

    @inlinable
    public mutating func readKafkaUInt16() throws -> UInt16 {
        guard let value = readInteger(as: UInt16.self) else { throw ProtocolDecodingError.truncated("uint16") }
        return value
    }

    @inlinable
    public mutating func readKafkaInt32() throws -> Int32 {
        guard let value = readInteger(as: Int32.self) else { throw ProtocolDecodingError.truncated("int32") }
        return value
    }

    @inlinable
    public mutating func readKafkaUInt32() throws -> UInt32 {
        guard let value = readInteger(as: UInt32.self) else { throw ProtocolDecodingError.truncated("uint32") }
        return value
    }

    @inlinable
    public mutating func readKafkaInt64() throws -> Int64 {
        guard let value = readInteger(as: Int64.self) else { throw ProtocolDecodingError.truncated("int64") }
        return value
    }

    @inlinable
    public mutating func readKafkaBool() throws -> Bool {
        try readKafkaInt8() != 0
    }

    @inlinable
    public mutating func readKafkaFloat64() throws -> Double {
        Double(bitPattern: UInt64(bitPattern: try readKafkaInt64()))
    }

    @inlinable
    public mutating func readKafkaUUID() throws -> KafkaUUID {
        let high = UInt64(bitPattern: try readKafkaInt64())
        let low = UInt64(bitPattern: try readKafkaInt64())
        return KafkaUUID(high: high, low: low)
    }

    /// UNSIGNED_VARINT: at most 5 bytes for a 32-bit value.
    @inlinable
    public mutating func readUnsignedVarint() throws -> UInt32 {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            guard let byte = readInteger(as: UInt8.self) else { throw ProtocolDecodingError.truncated("varint") }
            if shift == 28 && byte > 0x0F { throw ProtocolDecodingError("varint longer than 5 bytes") }
            result |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// UNSIGNED_VARLONG: at most 10 bytes for a 64-bit value.
    @inlinable
    public mutating func readUnsignedVarlong() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let byte = readInteger(as: UInt8.self) else { throw ProtocolDecodingError.truncated("varlong") }
            if shift == 63 && byte > 0x01 { throw ProtocolDecodingError("varlong longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// VARINT: zig-zag encoded signed 32-bit.
    @inlinable
    public mutating func readVarint() throws -> Int32 {
        let raw = try readUnsignedVarint()
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// VARLONG: zig-zag encoded signed 64-bit.
    @inlinable
    public mutating func readVarlong() throws -> Int64 {
        let raw = try readUnsignedVarlong()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    // MARK: Lengths

    @inlinable
    mutating func readLength(_ what: String, compact: Bool) throws -> Int? {
        let length: Int
        if compact {
            length = Int(try readUnsignedVarint()) - 1
        } else {
            length = Int(try readKafkaInt32())
        }
        if length < 0 {
            if length == -1 { return nil }
            throw ProtocolDecodingError.invalidLength(what, length)
        }
        guard length <= readableBytes else { throw ProtocolDecodingError.invalidLength(what, length) }
        return length
    }

    /// The element count of an ARRAY / COMPACT_ARRAY, nil for a null array.
    /// Counts are bounded by the remaining bytes (every element takes at least one byte),
    /// so a hostile count cannot make a decoder reserve gigabytes.
    @inlinable
    public mutating func readArrayCount(compact: Bool) throws -> Int? {
        let count: Int
        if compact {
            count = Int(try readUnsignedVarint()) - 1
        } else {
            count = Int(try readKafkaInt32())
        }
        if count < 0 {
            if count == -1 { return nil }
            throw ProtocolDecodingError.invalidLength("array", count)
        }
        guard count <= readableBytes else { throw ProtocolDecodingError.invalidLength("array", count) }
        return count
    }

    // MARK: Strings and bytes

    /// STRING (int16 length) or COMPACT_STRING (unsigned varint length + 1); nil when null.
    @inlinable
    public mutating func readKafkaNullableString(compact: Bool) throws -> String? {
        let length: Int
        if compact {
            length = Int(try readUnsignedVarint()) - 1
        } else {
            length = Int(try readKafkaInt16())
        }
        if length < 0 {
            if length == -1 { return nil }
            throw ProtocolDecodingError.invalidLength("string", length)
        }
        guard let string = readString(length: length) else {
            throw ProtocolDecodingError.invalidLength("string", length)
        }
        return string
    }

    @inlinable
    public mutating func readKafkaString(compact: Bool) throws -> String {
        guard let string = try readKafkaNullableString(compact: compact) else {
            throw ProtocolDecodingError("null string in a non-nullable field")
        }
        return string
    }

    /// BYTES / COMPACT_BYTES as a slice of this buffer (no copy); nil when null.
    @inlinable
    public mutating func readKafkaNullableBytes(compact: Bool) throws -> ByteBuffer? {
        guard let length = try readLength("bytes", compact: compact) else { return nil }
        return readSlice(length: length)!
    }

    @inlinable
    public mutating func readKafkaBytes(compact: Bool) throws -> ByteBuffer {
        guard let bytes = try readKafkaNullableBytes(compact: compact) else {
            throw ProtocolDecodingError("null bytes in a non-nullable field")
        }
        return bytes
    }

    /// RECORDS: like BYTES, kept as a slice so the broker stores it without copying.
    @inlinable
    public mutating func readKafkaRecords(compact: Bool) throws -> RecordsPayload? {
        guard let length = try readLength("records", compact: compact) else { return nil }
        return .memory(readSlice(length: length)!)
    }

    // MARK: Tagged fields

    /// Reads a tagged-field section, handing each known tag's bytes to `body` and skipping
    /// the rest, as the protocol requires of a reader that does not know a tag.
    @inlinable
    public mutating func readTaggedFields(_ body: (UInt32, inout ByteBuffer) throws -> Bool) throws {
        let count = try readUnsignedVarint()
        guard count <= readableBytes else { throw ProtocolDecodingError.invalidLength("tagged fields", Int(count)) }
        var lastTag: Int64 = -1
        for _ in 0..<count {
            let tag = try readUnsignedVarint()
            guard Int64(tag) > lastTag else { throw ProtocolDecodingError("tagged field \(tag) out of order") }
            lastTag = Int64(tag)
            let size = Int(try readUnsignedVarint())
            guard var field = readSlice(length: size) else {
                throw ProtocolDecodingError.invalidLength("tagged field \(tag)", size)
            }
            _ = try body(tag, &field)
        }
    }

    /// Skips a tagged-field section whose tags this version does not define.
    @inlinable
    public mutating func skipTaggedFields() throws {
        try readTaggedFields { _, _ in false }
    }
}
