import KafkaProtocol
import NIOCore
import Testing

@Suite("Every generated message round-trips in every valid version")
struct RoundTripTests {
    @Test(arguments: allMessageRoundTrips)
    func roundTrip(_ message: MessageRoundTrip) throws {
        try message.checkAllVersions()
    }

    @Test func coversEveryMessageAndVersion() {
        let versions = allMessageRoundTrips.reduce(0) { $0 + $1.versions.count }
        // 193 JSON files with 692 versions in the Kafka definitions this was written against.
        #expect(allMessageRoundTrips.count >= 193)
        #expect(versions >= 692)
    }

    @Test func versionOutsideValidVersionsThrows() {
        var empty = ByteBuffer()
        #expect(throws: ProtocolDecodingError.unsupportedVersion("ProduceRequest", 12)) {
            _ = try ProduceRequest(from: &empty, version: 12)
        }
        #expect(throws: ProtocolDecodingError.unsupportedVersion("MetadataRequest", -1)) {
            _ = try MetadataRequest(from: &empty, version: -1)
        }
    }
}
