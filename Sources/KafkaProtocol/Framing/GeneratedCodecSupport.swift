import NIOCore

/// Small reads and writes the generated codecs share, kept out of the generated files so those stay
/// short and every message handles tagged fields and null arrays the same way.
extension ByteBuffer {
    /// The element count of an array the schema says may not be null in this version.
    @inlinable
    public mutating func readNonNullArrayCount(compact: Bool, field: StaticString) throws -> Int {
        guard let count = try readArrayCount(compact: compact) else {
            throw ProtocolDecodingError("null array in non-nullable field \(field)")
        }
        return count
    }

    /// The number of fields in a tagged-field section, bounded by the bytes left (each takes at least two).
    @inlinable
    public mutating func readTaggedFieldCount() throws -> Int {
        let count = Int(try readUnsignedVarint())
        guard count <= readableBytes else { throw ProtocolDecodingError.invalidLength("tagged fields", count) }
        return count
    }

    /// One tagged field: its tag and its bytes, as a slice the caller decodes (or ignores, for a tag it
    /// does not know, as the protocol requires).
    @inlinable
    public mutating func readTaggedField() throws -> (tag: UInt32, value: ByteBuffer) {
        let tag = try readUnsignedVarint()
        let size = Int(try readUnsignedVarint())
        guard let value = readSlice(length: size) else {
            throw ProtocolDecodingError.invalidLength("tagged field \(tag)", size)
        }
        return (tag, value)
    }
}

extension KafkaWriter {
    /// One tagged field: tag, size, then the bytes already encoded into `field`.
    @inlinable
    public mutating func writeTaggedField(tag: UInt32, _ field: KafkaWriter) {
        var bytes = field.buffer
        buffer.writeUnsignedVarint(tag)
        buffer.writeUnsignedVarint(UInt32(bytes.readableBytes))
        buffer.writeBuffer(&bytes)
    }
}
