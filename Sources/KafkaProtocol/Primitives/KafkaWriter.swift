import NIOCore

/// Encodes Kafka primitives into a byte buffer, splicing in file regions for `records`
/// fields that live in segment files. The result is a list of `IOData` parts that a NIO
/// channel writes in order: buffers are copied to the socket, file regions are sent with
/// sendfile.
public struct KafkaWriter {
    public var buffer: ByteBuffer
    @usableFromInline var finishedParts: [IOData] = []

    public init(buffer: ByteBuffer = ByteBuffer()) {
        self.buffer = buffer
    }

    public init(capacity: Int) {
        self.buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Bytes written so far, file regions included.
    public var byteCount: Int {
        finishedParts.reduce(buffer.readableBytes) { total, part in total + part.readableBytes }
    }

    /// True when every part is in memory (no file region was spliced in).
    public var isContiguous: Bool { finishedParts.isEmpty }

    /// Overwrites four bytes already written `offset` bytes into the message (a size prefix),
    /// in place: patching the result of `parts()` instead would copy the buffer it shares.
    public mutating func setInt32(_ value: Int32, atMessageOffset offset: Int) {
        guard case .byteBuffer(var first) = finishedParts.first else {
            precondition(offset + 4 <= buffer.readableBytes, "setInt32 past the bytes written")
            buffer.setInteger(value, at: buffer.readerIndex + offset)
            return
        }
        precondition(offset + 4 <= first.readableBytes, "setInt32 past the message's first part")
        finishedParts[0] = .byteBuffer(ByteBuffer())  // so `first` holds the only reference
        first.setInteger(value, at: first.readerIndex + offset)
        finishedParts[0] = .byteBuffer(first)
    }

    /// The encoded parts, in write order.
    public func parts() -> [IOData] {
        buffer.readableBytes > 0 || finishedParts.isEmpty ? finishedParts + [.byteBuffer(buffer)] : finishedParts
    }

    /// The encoded bytes as one buffer. Only for messages without file regions (tests, requests).
    public var contiguousBuffer: ByteBuffer {
        precondition(isContiguous, "a message with file regions has no contiguous form")
        return buffer
    }

    // MARK: Fixed-width

    @inlinable public mutating func writeInt8(_ value: Int8) { buffer.writeInteger(value) }
    @inlinable public mutating func writeInt16(_ value: Int16) { buffer.writeInteger(value) }
    @inlinable public mutating func writeUInt16(_ value: UInt16) { buffer.writeInteger(value) }
    @inlinable public mutating func writeInt32(_ value: Int32) { buffer.writeInteger(value) }
    @inlinable public mutating func writeUInt32(_ value: UInt32) { buffer.writeInteger(value) }
    @inlinable public mutating func writeInt64(_ value: Int64) { buffer.writeInteger(value) }
    @inlinable public mutating func writeBool(_ value: Bool) { buffer.writeInteger(value ? 1 : 0 as UInt8) }
    @inlinable public mutating func writeFloat64(_ value: Double) { buffer.writeInteger(value.bitPattern) }

    @inlinable
    public mutating func writeUUID(_ value: KafkaUUID) {
        buffer.writeInteger(value.high)
        buffer.writeInteger(value.low)
    }

    // MARK: Variable-length

    @inlinable
    public mutating func writeUnsignedVarint(_ value: UInt32) {
        buffer.writeUnsignedVarint(value)
    }

    @inlinable
    public mutating func writeVarint(_ value: Int32) {
        buffer.writeVarint(value)
    }

    @inlinable
    public mutating func writeVarlong(_ value: Int64) {
        buffer.writeVarlong(value)
    }

    /// An array/bytes/string length: int32 (or int16 for strings) classic, varint+1 compact; -1 = null.
    @inlinable
    public mutating func writeLength(_ length: Int?, compact: Bool) {
        if compact {
            buffer.writeUnsignedVarint(UInt32(truncatingIfNeeded: (length ?? -1) + 1))
        } else {
            buffer.writeInteger(Int32(length ?? -1))
        }
    }

    @inlinable
    public mutating func writeArrayCount(_ count: Int?, compact: Bool) {
        writeLength(count, compact: compact)
    }

    @inlinable
    public mutating func writeString(_ value: String?, compact: Bool) {
        guard let value else {
            if compact { buffer.writeUnsignedVarint(0) } else { buffer.writeInteger(Int16(-1)) }
            return
        }
        let length = value.utf8.count
        if compact {
            buffer.writeUnsignedVarint(UInt32(length + 1))
            buffer.writeString(value)
        } else if length <= Int(Int16.max) {
            buffer.writeInteger(Int16(length))
            buffer.writeString(value)
        } else {
            // A classic STRING cannot be longer; send the first 32767 bytes rather than crash.
            buffer.writeInteger(Int16.max)
            buffer.writeBytes(value.utf8.prefix(Int(Int16.max)))
        }
    }

    @inlinable
    public mutating func writeBytes(_ value: ByteBuffer?, compact: Bool) {
        guard var value else {
            writeLength(nil, compact: compact)
            return
        }
        writeLength(value.readableBytes, compact: compact)
        buffer.writeBuffer(&value)
    }

    /// A RECORDS field: in-memory bytes are copied, a file region is spliced in as its own part.
    public mutating func writeRecords(_ value: RecordsPayload?, compact: Bool) {
        switch value {
        case nil:
            writeLength(nil, compact: compact)
        case .memory(let bytes):
            writeBytes(bytes, compact: compact)
        case .file(let region):
            writeLength(region.readableBytes, compact: compact)
            if region.readableBytes > 0 {
                finishedParts.append(.byteBuffer(buffer))
                finishedParts.append(.fileRegion(region))
                buffer = ByteBufferAllocator().buffer(capacity: 256)
            }
        }
    }

    /// A tagged-field section: `fields` are (tag, encoded bytes) pairs in ascending tag order.
    @inlinable
    public mutating func writeTaggedFields(_ fields: [(tag: UInt32, bytes: ByteBuffer)]) {
        buffer.writeUnsignedVarint(UInt32(fields.count))
        for field in fields {
            var bytes = field.bytes
            buffer.writeUnsignedVarint(field.tag)
            buffer.writeUnsignedVarint(UInt32(bytes.readableBytes))
            buffer.writeBuffer(&bytes)
        }
    }

    /// An empty tagged-field section (the common case), one zero byte.
    @inlinable
    public mutating func writeEmptyTaggedFields() {
        buffer.writeInteger(UInt8(0))
    }
}

extension ByteBuffer {
    @inlinable
    public mutating func writeUnsignedVarint(_ value: UInt32) {
        writeUnsignedVarlong(UInt64(value))
    }

    @inlinable
    public mutating func writeUnsignedVarlong(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        writeInteger(UInt8(value))
    }

    @inlinable
    public mutating func writeVarint(_ value: Int32) {
        writeUnsignedVarint(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    @inlinable
    public mutating func writeVarlong(_ value: Int64) {
        writeUnsignedVarlong(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }
}

/// Byte size of a zig-zag varint, for sizing record headers before writing them.
@inlinable
public func varintSize(_ value: Int64) -> Int {
    var raw = UInt64(bitPattern: (value << 1) ^ (value >> 63))
    var size = 1
    while raw >= 0x80 {
        raw >>= 7
        size += 1
    }
    return size
}
