import KafkaProtocol
import NIOCore

/// A record of `__consumer_offsets` in Kafka's own format: the key is a version (int16) and an
/// OffsetCommitKey (versions 0-1) or GroupMetadataKey (version 2); the value a version and the
/// matching OffsetCommitValue or GroupMetadataValue, or null (a tombstone) once deleted.
public struct CoordinatorRecord: Sendable, Equatable {
    public var key: ByteBuffer
    public var value: ByteBuffer?

    public init(key: ByteBuffer, value: ByteBuffer?) {
        self.key = key
        self.value = value
    }
}

/// What a `__consumer_offsets` record says.
public enum CoordinatorRecordContent: Sendable, Equatable {
    /// A committed offset, or nil when the offset was deleted.
    case offsetCommit(groupID: String, key: OffsetKey, offset: CommittedOffset?)
    /// A group's membership and generation, or nil when the group was deleted.
    case groupMetadata(groupID: String, value: GroupMetadataValue?)
    /// A key of a kind this coordinator does not keep (newer Kafka coordinators write more kinds).
    case unknown(keyVersion: Int16)
}

extension CoordinatorRecord {
    /// The versions Kafka 2.1 and later write, which every reader of the topic understands.
    static let offsetCommitKeyVersion: Int16 = 1
    static let offsetCommitValueVersion: Int16 = 3
    /// The only value version that carries an explicit expire timestamp.
    static let offsetCommitValueVersionWithExpiry: Int16 = 1
    static let groupMetadataKeyVersion: Int16 = 2
    static let groupMetadataValueVersion: Int16 = 3

    static func offsetCommit(groupID: String, key: OffsetKey, offset: CommittedOffset) -> CoordinatorRecord {
        let value = OffsetCommitValue(
            offset: offset.offset, leaderEpoch: offset.leaderEpoch, metadata: offset.metadata,
            commitTimestamp: offset.commitTimestamp, expireTimestamp: offset.expireTimestamp ?? -1)
        let valueVersion = offset.expireTimestamp == nil ? offsetCommitValueVersion : offsetCommitValueVersionWithExpiry
        return CoordinatorRecord(key: offsetCommitKey(groupID: groupID, key: key), value: encode(value, version: valueVersion))
    }

    static func offsetTombstone(groupID: String, key: OffsetKey) -> CoordinatorRecord {
        CoordinatorRecord(key: offsetCommitKey(groupID: groupID, key: key), value: nil)
    }

    static func groupMetadata(groupID: String, value: GroupMetadataValue) -> CoordinatorRecord {
        CoordinatorRecord(key: groupMetadataKey(groupID: groupID), value: encode(value, version: groupMetadataValueVersion))
    }

    static func groupTombstone(groupID: String) -> CoordinatorRecord {
        CoordinatorRecord(key: groupMetadataKey(groupID: groupID), value: nil)
    }

    private static func offsetCommitKey(groupID: String, key: OffsetKey) -> ByteBuffer {
        encode(OffsetCommitKey(group: groupID, topic: key.topic, partition: key.partition), version: offsetCommitKeyVersion)
    }

    private static func groupMetadataKey(groupID: String) -> ByteBuffer {
        encode(GroupMetadataKey(group: groupID), version: groupMetadataKeyVersion)
    }

    private static func encode(_ message: some KafkaMessage, version: Int16) -> ByteBuffer {
        var writer = KafkaWriter()
        writer.writeInt16(version)
        message.encode(to: &writer, version: version)
        return writer.contiguousBuffer
    }

    /// Decodes the record. Throws `ProtocolDecodingError` for bytes that are not a valid record
    /// of a known kind; the loader adds where the record was.
    public func decode() throws -> CoordinatorRecordContent {
        var key = self.key
        let keyVersion = try key.readKafkaInt16()
        switch keyVersion {
        case 0, 1:
            let decodedKey = try OffsetCommitKey(from: &key, version: keyVersion)
            let offsetKey = OffsetKey(topic: decodedKey.topic, partition: decodedKey.partition)
            guard var value else { return .offsetCommit(groupID: decodedKey.group, key: offsetKey, offset: nil) }
            let valueVersion = try value.readKafkaInt16()
            let decoded = try OffsetCommitValue(from: &value, version: valueVersion)
            let offset = CommittedOffset(
                offset: decoded.offset, leaderEpoch: decoded.leaderEpoch, metadata: decoded.metadata,
                commitTimestamp: decoded.commitTimestamp,
                expireTimestamp: valueVersion == Self.offsetCommitValueVersionWithExpiry && decoded.expireTimestamp != -1
                    ? decoded.expireTimestamp : nil)
            return .offsetCommit(groupID: decodedKey.group, key: offsetKey, offset: offset)
        case 2:
            let decodedKey = try GroupMetadataKey(from: &key, version: keyVersion)
            guard var value else { return .groupMetadata(groupID: decodedKey.group, value: nil) }
            let valueVersion = try value.readKafkaInt16()
            return .groupMetadata(groupID: decodedKey.group, value: try GroupMetadataValue(from: &value, version: valueVersion))
        default:
            return .unknown(keyVersion: keyVersion)
        }
    }
}
