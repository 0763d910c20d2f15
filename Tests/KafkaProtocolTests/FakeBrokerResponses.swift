import Foundation
import KafkaProtocol
import NIOCore
import Testing

/// The answers scripts/capture-fixtures.py's fake broker gives real clients, encoded with the generated
/// codecs: a client that goes on to send Metadata and Produce after reading them has accepted our
/// ApiVersions and Metadata encodings. Stored in Fixtures/fake-broker-responses.json as hex, keyed
/// "apiKey:version", each a response header (correlation id 0, patched by the script) plus body.
enum FakeBroker {
    /// Fixed because the Metadata answer names it; the capture script listens on it.
    static let port: Int32 = 39092
    static let topic = "fixtures"

    /// The APIs the fake broker answers.
    static let answeredApis: [ApiKey] = [.produce, .metadata, .apiVersions]
    /// The APIs it advertises in ApiVersions, with all their versions. Fetch is never answered, but
    /// librdkafka only writes v2 record batches to a broker that advertises Fetch v4+ (without it,
    /// it falls back to magic-0 message sets).
    static let advertisedApis: [ApiKey] = answeredApis + [.fetch]

    static func responseBody(_ apiKey: ApiKey, version: Int16) -> any KafkaMessage {
        switch apiKey {
        case .apiVersions:
            return ApiVersionsResponse(
                apiKeys: advertisedApis.map {
                    ApiVersionsResponse.ApiVersion(
                        apiKey: $0.rawValue, minVersion: $0.validVersions.lowerBound,
                        maxVersion: $0.validVersions.upperBound)
                })
        case .metadata:
            return MetadataResponse(
                brokers: [MetadataResponse.MetadataResponseBroker(nodeId: 1, host: "127.0.0.1", port: port)],
                clusterId: "logport-fixtures", controllerId: 1,
                topics: [
                    MetadataResponse.MetadataResponseTopic(
                        name: topic, topicId: KafkaUUID(high: 0x1234, low: 0x5678),
                        partitions: [
                            MetadataResponse.MetadataResponsePartition(
                                partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1])
                        ])
                ])
        case .produce:
            return ProduceResponse(responses: [
                ProduceResponse.TopicProduceResponse(
                    name: topic,
                    partitionResponses: [ProduceResponse.PartitionProduceResponse(index: 0, baseOffset: 0)])
            ])
        default:
            fatalError("the fake broker does not answer \(apiKey.name)")
        }
    }

    /// Every answer, as the JSON text the capture script reads (sorted, so the file is stable).
    static func responsesJSON() -> String {
        var entries: [String] = []
        for apiKey in answeredApis.sorted(by: { $0.rawValue < $1.rawValue }) {
            for version in apiKey.validVersions {
                var writer = KafkaWriter()
                ResponseHeader(correlationId: 0).encode(to: &writer, version: apiKey.responseHeaderVersion(version))
                responseBody(apiKey, version: version).encode(to: &writer, version: version)
                let hex = writer.contiguousBuffer.readableBytesView.map { String(format: "%02x", $0) }.joined()
                entries.append("  \"\(apiKey.rawValue):\(version)\": \"\(hex)\"")
            }
        }
        return "{\n" + entries.joined(separator: ",\n") + "\n}\n"
    }
}

@Suite struct FakeBrokerResponsesTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fake-broker-responses.json")

    /// Set LOGPORT_WRITE_FAKE_BROKER_RESPONSES=1 to rewrite the file after changing the answers.
    @Test func committedResponsesAreWhatTheEncoderWrites() throws {
        let current = FakeBroker.responsesJSON()
        if ProcessInfo.processInfo.environment["LOGPORT_WRITE_FAKE_BROKER_RESPONSES"] == "1" {
            try current.write(to: Self.file, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: Self.file, encoding: .utf8)
        #expect(committed == current, "Fixtures/fake-broker-responses.json is stale")
    }
}
