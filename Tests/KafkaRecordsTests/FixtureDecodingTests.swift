import KafkaProtocol
import KafkaRecords
import NIOCore
import Testing

/// Batches and message sets written by kafka-python (scripts/records-make-fixtures.py) must
/// decode to exactly the records the script handed to its encoder.
@Suite struct FixtureDecodingTests {
    static let v2Fixtures = CompressionCodec.allCases.flatMap { codec in
        ["v2-\(codec)-many", "v2-\(codec)-single"]
    } + ["v2-snappy-raw", "v2-zstd-nosize"]

    static let legacyFixtures = LegacyMagic.allCases.flatMap { magic in
        ["none", "gzip", "snappy", "lz4"].map { "legacy-v\(magic.rawValue)-\($0)" }
    }

    @Test(arguments: v2Fixtures)
    func decodesKafkaPythonBatch(_ name: String) throws {
        var bytes = try Fixtures.bytes(name)
        let expectation = try Fixtures.expectation(name)

        let batch = try RecordBatch.read(from: &bytes)

        #expect(bytes.readableBytes == 0)
        #expect(batch.header.attributes.compression?.description == expectation.codec)
        #expect(batch.header.producerID == ProducerID(expectation.producerId))
        #expect(batch.header.producerEpoch == ProducerEpoch(expectation.producerEpoch))
        #expect(batch.header.baseSequence == expectation.baseSequence)
        #expect(batch.header.attributes.isTransactional == expectation.isTransactional)
        #expect(batch.header.recordCount == Int32(expectation.records.count))
        #expect(batch.header.maxTimestamp == expectation.records.map(\.timestamp).max())
        #expect(batch.expectedRecords == expectation.records)
    }

    @Test(arguments: v2Fixtures)
    func validatorAcceptsKafkaPythonBatch(_ name: String) throws {
        let bytes = try Fixtures.bytes(name)
        let batches = try ProducedRecordsValidator.validate(bytes, maxBatchBytes: 1 << 20)
        #expect(batches.map(\.position) == [bytes.readerIndex])
        #expect(batches.first?.header.totalSize == bytes.readableBytes)
    }

    @Test(arguments: legacyFixtures)
    func decodesKafkaPythonLegacyMessageSet(_ name: String) throws {
        let bytes = try Fixtures.bytes(name)
        let expectation = try Fixtures.expectation(name)

        let messages = try LegacyMessageSet.decode(bytes)

        #expect(messages.map(\.expectedRecord) == expectation.records)
        #expect(messages.allSatisfy { !$0.isLogAppendTime })
    }

    @Test(arguments: legacyFixtures)
    func validatorRejectsLegacyMessageSetAsLegacy(_ name: String) throws {
        let bytes = try Fixtures.bytes(name)
        let magic = Int8(try Fixtures.expectation(name).magic)
        #expect(throws: RecordBatchError.legacyMagic(magic, position: 0)) {
            try ProducedRecordsValidator.validate(bytes, maxBatchBytes: 1 << 20)
        }
    }

    @Test(arguments: legacyFixtures)
    func convertsKafkaPythonLegacyMessageSetToV2(_ name: String) throws {
        let bytes = try Fixtures.bytes(name)
        let expectation = try Fixtures.expectation(name)

        let converted = try LegacyMessageSet.convertToV2(bytes)

        let validated = try ProducedRecordsValidator.validate(converted, maxBatchBytes: 1 << 20)
        #expect(validated.count == 1)
        var reader = converted
        let batch = try RecordBatch.read(from: &reader)
        #expect(batch.header.attributes.compression?.description == expectation.codec)
        #expect(batch.header.producerID == .none)
        // Offsets are reassigned from 0 (the broker stamps the real base offset); the rest is kept.
        let renumbered = expectation.records.enumerated().map { index, record in
            var record = record
            record.offset = Int64(index)
            return record
        }
        #expect(batch.expectedRecords == renumbered)
    }
}
