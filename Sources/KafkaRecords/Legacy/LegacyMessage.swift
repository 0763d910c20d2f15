import KafkaProtocol
import NIOCore

/// The two message formats before record batches (docs/implementation.html, "Legacy Message Sets"):
/// magic 0 (Kafka 0.8–0.9, no timestamps) and magic 1 (0.10, timestamps and relative inner offsets).
public enum LegacyMagic: Int8, Sendable, CaseIterable {
    case v0 = 0
    case v1 = 1
}

/// One message of a legacy message set, with its absolute offset resolved; compressed wrapper
/// messages never appear here, only the messages inside them.
public struct LegacyMessage: Sendable, Equatable {
    public var offset: Offset
    /// Milliseconds since the epoch; `LegacyMessage.noTimestamp` for magic 0.
    public var timestamp: Int64
    /// True when the broker set the timestamp (magic 1 only).
    public var isLogAppendTime: Bool
    public var key: ByteBuffer?
    public var value: ByteBuffer?

    public static let noTimestamp: Int64 = -1

    public init(offset: Offset, timestamp: Int64 = noTimestamp, isLogAppendTime: Bool = false, key: ByteBuffer?, value: ByteBuffer?) {
        self.offset = offset
        self.timestamp = timestamp
        self.isLogAppendTime = isLogAppendTime
        self.key = key
        self.value = value
    }
}

/// Reading, writing and converting legacy message sets. See `LegacyMessageSet.decode`, `encode`,
/// `convertToV2` and `downConvert`.
public enum LegacyMessageSet {}

/// Byte layout of one legacy message:
/// offset int64 · messageSize int32 · crc uint32 · magic int8 · attributes int8 ·
/// [timestamp int64, magic 1 only] · key bytes · value bytes.
/// The CRC (CRC-32, IEEE) covers magic..end of message.
enum LegacyLayout {
    static let logOverhead = 12
    static let crcOffset = 12
    static let magicOffset = 16
    static let attributesOffset = 17
    static let timestampOffset = 18
    static let codecMask: Int8 = 0x07
    static let logAppendTimeFlag: Int8 = 0x08

    /// Bytes from magic to the key length.
    static func headerSize(_ magic: LegacyMagic) -> Int { magic == .v0 ? 2 : 10 }
    /// Bytes of a magic-1 message besides its key and value.
    static let magicV1Overhead = logOverhead + 4 + headerSize(.v1) + 8
    /// Smallest messageSize: crc + header + two null lengths.
    static func minimumMessageSize(_ magic: LegacyMagic) -> Int { 4 + headerSize(magic) + 8 }
}
