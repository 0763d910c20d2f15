#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KafkaProtocol
import NIOCore

/// A topic as the broker sees it. Persisted as `<data>/topic-metadata/<name>.json`, which is the
/// source of truth for which topics and partitions exist.
public struct TopicMetadata: Sendable, Equatable {
    public var name: String
    public var id: KafkaUUID
    public var partitionCount: Int32
    /// Only the topic's own settings (`retention.ms`…), not the broker defaults under them.
    public var configOverrides: [String: String]

    public init(name: String, id: KafkaUUID, partitionCount: Int32, configOverrides: [String: String]) {
        self.name = name
        self.id = id
        self.partitionCount = partitionCount
        self.configOverrides = configOverrides
    }

    /// Kafka's topic name rules: 1 to 249 characters from [a-zA-Z0-9._-], and not "." or "..".
    /// They also make the name safe as a directory name.
    public static func validate(name: String) throws {
        let reason: String?
        if name.isEmpty {
            reason = "it is empty"
        } else if name == "." || name == ".." {
            reason = "'.' and '..' are not allowed"
        } else if name.utf8.count > 249 {
            reason = "it is longer than 249 characters"
        } else if !name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }) {
            reason = "only ASCII letters, digits, '.', '_' and '-' are allowed"
        } else {
            reason = nil
        }
        if let reason { throw LogError.invalidTopicName(name, reason: reason) }
    }
}

/// The JSON file format of `TopicMetadata`, versioned so it can change.
struct TopicMetadataFile: Codable {
    static let directoryName = "topic-metadata"

    var version: Int
    var name: String
    var id: String
    var partitions: Int32
    var config: [String: String]

    init(_ metadata: TopicMetadata) {
        version = 1
        name = metadata.name
        id = metadata.id.description
        partitions = metadata.partitionCount
        config = metadata.configOverrides
    }

    static func encode(_ metadata: TopicMetadata) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return ByteBuffer(bytes: try encoder.encode(TopicMetadataFile(metadata)))
    }

    static func decode(_ bytes: ByteBuffer, path: String) throws -> TopicMetadata {
        let file: TopicMetadataFile
        do {
            file = try JSONDecoder().decode(TopicMetadataFile.self, from: Data(bytes.readableBytesView))
        } catch {
            throw LogError.corruptFile(path: path, reason: "not a topic metadata file: \(error)")
        }
        guard file.version == 1 else { throw LogError.corruptFile(path: path, reason: "unknown version \(file.version)") }
        guard let id = KafkaUUID(parsing: file.id) else { throw LogError.corruptFile(path: path, reason: "bad topic id '\(file.id)'") }
        guard file.partitions > 0 else { throw LogError.corruptFile(path: path, reason: "partition count \(file.partitions)") }
        return TopicMetadata(name: file.name, id: id, partitionCount: file.partitions, configOverrides: file.config)
    }
}

extension KafkaUUID {
    /// Parses the 8-4-4-4-12 hex form `description` produces.
    init?(parsing text: String) {
        let hex = text.filter { $0 != "-" }
        guard hex.count == 32, let high = UInt64(hex.prefix(16), radix: 16), let low = UInt64(hex.suffix(16), radix: 16) else {
            return nil
        }
        self.init(high: high, low: low)
    }
}
