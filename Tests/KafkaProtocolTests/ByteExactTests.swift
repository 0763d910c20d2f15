import KafkaProtocol
import NIOCore
import Testing

/// Encodings checked byte by byte against the protocol guide's BNF (docs/protocol.html).
@Suite struct ByteExactTests {
    @Test func apiVersionsV3RequestWithHeaderV2() throws {
        let expected: [UInt8] =
            [0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x07]  // api key 18, version 3, correlation id 7
            + [0x00, 0x07] + Array("rdkafka".utf8)  // client id: a classic STRING even in header v2
            + [0x00]  // header tagged fields
            + [0x0B] + Array("librdkafka".utf8)  // COMPACT_STRING: length + 1
            + [0x06] + Array("2.0.2".utf8)
            + [0x00]  // body tagged fields
        var writer = KafkaWriter()
        RequestHeader(requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: "rdkafka")
            .encode(to: &writer, version: ApiKey.apiVersions.requestHeaderVersion(3))
        ApiVersionsRequest(clientSoftwareName: "librdkafka", clientSoftwareVersion: "2.0.2")
            .encode(to: &writer, version: 3)
        #expect(Array(writer.contiguousBuffer.readableBytesView) == expected)

        var input = ByteBuffer(bytes: expected)
        let header = try RequestHeader(fromRequest: &input)
        #expect(header.apiKey == .apiVersions)
        #expect(header.correlationId == 7)
        #expect(header.clientId == "rdkafka")
        let body = try ApiVersionsRequest(from: &input, version: header.requestApiVersion)
        #expect(body.clientSoftwareName == "librdkafka")
        #expect(body.clientSoftwareVersion == "2.0.2")
        #expect(input.readableBytes == 0)
    }

    @Test func metadataV1Request() {
        let topics = MetadataRequest(topics: [MetadataRequest.MetadataRequestTopic(name: "foo")])
        #expect(encoded(topics, version: 1) == [0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x66, 0x6F, 0x6F])
        // A null topic array asks for every topic from v1 on; v0 cannot say null, so it becomes empty.
        #expect(encoded(MetadataRequest(topics: nil), version: 1) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(encoded(MetadataRequest(topics: nil), version: 0) == [0x00, 0x00, 0x00, 0x00])
    }

    @Test func produceRequestClassicAndFlexible() {
        let request = ProduceRequest(
            transactionalId: nil, acks: -1, timeoutMs: 30_000,
            topicData: [
                ProduceRequest.TopicProduceData(
                    name: "foo",
                    partitionData: [
                        ProduceRequest.PartitionProduceData(
                            index: 2, records: .memory(ByteBuffer(bytes: [1, 2, 3])))
                    ])
            ])
        #expect(
            encoded(request, version: 3) == [
                0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x75, 0x30,  // null transactional id, acks -1, timeout
                0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x66, 0x6F, 0x6F,  // one topic "foo"
                0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,  // one partition, index 2
                0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03,  // records
            ])
        #expect(
            encoded(request, version: 9) == [
                0x00, 0xFF, 0xFF, 0x00, 0x00, 0x75, 0x30,  // compact null string is length 0
                0x02, 0x04, 0x66, 0x6F, 0x6F,
                0x02, 0x00, 0x00, 0x00, 0x02,
                0x04, 0x01, 0x02, 0x03,
                0x00,  // partition tagged fields
                0x00,  // topic tagged fields
                0x00,  // request tagged fields
            ])
    }

    @Test func taggedFieldIsWrittenOnlyWhenNotDefaultAndUnknownTagsAreSkipped() throws {
        var response = ApiVersionsResponse(
            apiKeys: [ApiVersionsResponse.ApiVersion(apiKey: 18, minVersion: 0, maxVersion: 3)])
        let untagged: [UInt8] = [
            0x00, 0x00,  // error code
            0x02, 0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00,  // one api key, with its tagged fields
            0x00, 0x00, 0x00, 0x00,  // throttle time
        ]
        #expect(encoded(response, version: 3) == untagged + [0x00])

        response.finalizedFeaturesEpoch = 5
        let tagged = untagged + [0x01, 0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x05]  // one field: tag 1, 8 bytes
        #expect(encoded(response, version: 3) == tagged)

        var withUnknownTag = ByteBuffer(
            bytes: untagged + [0x02, 0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x09, 0x02, 0xAA, 0xBB])
        #expect(try ApiVersionsResponse(from: &withUnknownTag, version: 3) == response)
        #expect(withUnknownTag.readableBytes == 0)
    }

    @Test func nullableStructUsesAnInt8Marker() {
        var request = DescribeTopicPartitionsRequest(
            topics: [DescribeTopicPartitionsRequest.TopicRequest(name: "t")], responsePartitionLimit: 2000)
        let prefix: [UInt8] = [0x02, 0x02, 0x74, 0x00, 0x00, 0x00, 0x07, 0xD0]
        #expect(encoded(request, version: 0) == prefix + [0xFF, 0x00])
        request.cursor = DescribeTopicPartitionsRequest.Cursor(topicName: "t", partitionIndex: 3)
        #expect(encoded(request, version: 0) == prefix + [0x01, 0x02, 0x74, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00])
    }

    @Test func headerVersions() {
        #expect(ApiKey.produce.requestHeaderVersion(8) == 1)
        #expect(ApiKey.produce.requestHeaderVersion(9) == 2)
        #expect(ApiKey.produce.responseHeaderVersion(8) == 0)
        #expect(ApiKey.produce.responseHeaderVersion(9) == 1)
        #expect(ApiKey.controlledShutdown.requestHeaderVersion(0) == 0)
        #expect(ApiKey.controlledShutdown.requestHeaderVersion(1) == 1)
        #expect(ApiKey.apiVersions.requestHeaderVersion(3) == 2)
        #expect(ApiKey.apiVersions.responseHeaderVersion(3) == 0)
        #expect(ApiKey.metadata.name == "Metadata")
        #expect(ApiKey.initProducerId.rawValue == 22)
        #expect(ApiKey.fetch.validVersions == FetchRequest.validVersions)
    }

    @Test func unknownApiKeyIsAnErrorNotATrap() {
        var frame = ByteBuffer(bytes: [0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A, 0x00, 0x00])
        #expect(throws: ProtocolDecodingError("unknown api key 32512 (correlation id 42)")) {
            _ = try RequestHeader(fromRequest: &frame)
        }
    }

    private func encoded<Message: KafkaMessage>(_ message: Message, version: Int16) -> [UInt8] {
        var writer = KafkaWriter()
        message.encode(to: &writer, version: version)
        return Array(writer.contiguousBuffer.readableBytesView)
    }
}
