import CCRC32C

/// How one record sits in a disk buffer segment: `length` (UInt32, big-endian, payload bytes),
/// `crc` (UInt32, big-endian, CRC-32C of the four length bytes and the payload), then the payload.
/// The CRC covers the length too, so a torn or zero-filled tail never passes for a record.
enum BufferRecordFraming {
    static let headerBytes = 8
    /// Larger lengths are treated as corruption: no event comes near it.
    static let maximumPayloadBytes = 64 << 20

    /// What the bytes at a position hold.
    enum Frame: Equatable {
        /// A whole, intact record; `next` is the position after it.
        case record(payload: Range<Int>, next: Int)
        /// The bytes end inside a header or payload: more may follow (or the tail was torn).
        case incomplete
        /// The header or CRC is wrong: the bytes from here on are not records.
        case corrupt
    }

    static func append(_ payload: [UInt8], to bytes: inout [UInt8]) {
        let length = UInt32(payload.count)
        let lengthBytes: [UInt8] = [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        let crc = checksum(lengthBytes: lengthBytes, payload: payload[...])
        bytes.append(contentsOf: lengthBytes)
        bytes.append(contentsOf: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
        bytes.append(contentsOf: payload)
    }

    /// Decodes the frame starting at `start` in `bytes`.
    static func frame(in bytes: [UInt8], at start: Int) -> Frame {
        guard bytes.count - start >= headerBytes else { return .incomplete }
        let length = Int(readUInt32(bytes, at: start))
        guard length > 0, length <= maximumPayloadBytes else { return .corrupt }
        let payloadStart = start + headerBytes
        guard bytes.count - payloadStart >= length else { return .incomplete }
        let expected = readUInt32(bytes, at: start + 4)
        let payload = payloadStart..<(payloadStart + length)
        guard checksum(lengthBytes: bytes[start..<(start + 4)], payload: bytes[payload]) == expected else { return .corrupt }
        return .record(payload: payload, next: payload.upperBound)
    }

    private static func checksum(lengthBytes: some Collection<UInt8>, payload: ArraySlice<UInt8>) -> UInt32 {
        let head = Array(lengthBytes).withUnsafeBytes { logport_crc32c(0, $0.baseAddress, $0.count) }
        return payload.withUnsafeBytes { logport_crc32c(head, $0.baseAddress, $0.count) }
    }

    private static func readUInt32(_ bytes: [UInt8], at index: Int) -> UInt32 {
        UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }
}
