import KafkaProtocol
import KafkaRecords
import NIOCore
import Testing

/// Batches and message sets this package writes must decode — with our decoder and with
/// kafka-python's — to the records they were built from.
@Suite struct RoundTripTests {
    static let producerBuilder = RecordBatchBuilder(
        baseOffset: 1_000, producerID: 77, producerEpoch: 2, baseSequence: 40,
        isTransactional: true, partitionLeaderEpoch: 9)

    func build(_ codec: CompressionCodec, _ records: [ProducerRecord]) throws -> ByteBuffer {
        var builder = Self.producerBuilder
        builder.codec = codec
        return try builder.build(records)
    }

    @Test(arguments: CompressionCodec.allCases)
    func batchRoundTripsThroughOurDecoder(_ codec: CompressionCodec) throws {
        let records = sampleRecords(count: 200)
        var bytes = try build(codec, records)

        let batch = try RecordBatch.read(from: &bytes)

        #expect(batch.expectedRecords == expected(records, baseOffset: 1_000))
        #expect(batch.header == RecordBatchHeader(
            baseOffset: 1_000, batchLength: batch.header.batchLength, partitionLeaderEpoch: 9, crc: batch.header.crc,
            attributes: BatchAttributes(compression: codec, transactional: true), lastOffsetDelta: 199,
            baseTimestamp: records[0].timestamp, maxTimestamp: records.map(\.timestamp).max()!,
            producerID: 77, producerEpoch: 2, baseSequence: 40, recordCount: 200))
        #expect(bytes.readableBytes == 0)
    }

    @Test func uncompressedBatchHasKafkasExactLayout() throws {
        let record = ProducerRecord(
            key: ByteBuffer(string: "k"), value: nil, headers: [RecordHeader(key: "h", value: ByteBuffer(bytes: [7]))],
            timestamp: 5)
        let bytes = try RecordBatchBuilder(baseOffset: 3).build([record])
        // Header (61 bytes) then one record: length 11 (zig-zag 0x16), attributes 0, timestampDelta 0, offsetDelta 0,
        // key length 1 "k", value length -1, 1 header: key length 1 "h", value length 1, 0x07.
        let recordBytes: [UInt8] = [0x16, 0x00, 0x00, 0x00, 0x02, 0x6B, 0x01, 0x02, 0x02, 0x68, 0x02, 0x07]
        #expect(bytes.readableBytes == RecordBatchHeader.size + recordBytes.count)
        #expect(bytes.getBytes(at: RecordBatchHeader.size, length: recordBytes.count) == recordBytes)
        #expect(bytes.getInteger(at: 8, as: Int32.self) == Int32(49 + recordBytes.count))
        #expect(bytes.getInteger(at: 16, as: Int8.self) == 2)
        let crc = RecordBatchHeader.computeCRC(of: bytes, batchAt: 0, totalSize: bytes.readableBytes)
        #expect(bytes.getInteger(at: RecordBatchHeader.crcOffset, as: UInt32.self) == crc)
    }

    @Test(.enabled(if: KafkaPython.isAvailable, "python3 with kafka-python, lz4, python-snappy, zstandard, xxhash is needed"),
          arguments: CompressionCodec.allCases)
    func kafkaPythonDecodesOurBatch(_ codec: CompressionCodec) throws {
        let records = sampleRecords(count: 120)
        let bytes = try build(codec, records)

        let batches = try KafkaPython.decode(bytes)

        try #require(batches.count == 1)
        let batch = batches[0]
        #expect(batch.magic == 2)
        #expect(batch.codec == Int(codec.rawValue))
        #expect(batch.crcValid)
        #expect(batch.baseOffset == 1_000)
        #expect(batch.producerId == 77)
        #expect(batch.producerEpoch == 2)
        #expect(batch.baseSequence == 40)
        #expect(batch.isTransactional == true)
        #expect(batch.records == expected(records, baseOffset: 1_000))
    }

    static let legacyCases: [(LegacyMagic, CompressionCodec)] = LegacyMagic.allCases.flatMap { magic in
        [CompressionCodec.none, .gzip, .snappy, .lz4].map { (magic, $0) }
    }

    /// What a legacy message set must carry for `records` written at `baseOffset`: no headers, and no timestamps in magic 0.
    func legacyExpected(_ records: [ProducerRecord], magic: LegacyMagic, baseOffset: Int64) -> [ExpectedRecord] {
        expected(records, baseOffset: baseOffset).map { record in
            var record = record
            record.headers = []
            if magic == .v0 { record.timestamp = LegacyMessage.noTimestamp }
            return record
        }
    }

    func downConverted(_ records: [ProducerRecord], codec: CompressionCodec, magic: LegacyMagic) throws -> ByteBuffer {
        var bytes = try build(codec, records)
        return try LegacyMessageSet.downConvert([try RecordBatch.read(from: &bytes)], to: magic)
    }

    @Test(arguments: legacyCases)
    func downConvertedMessageSetRoundTripsThroughOurDecoder(_ magic: LegacyMagic, _ codec: CompressionCodec) throws {
        let records = sampleRecords(count: 30)
        let bytes = try downConverted(records, codec: codec, magic: magic)

        let messages = try LegacyMessageSet.decode(bytes)

        #expect(messages.map(\.expectedRecord) == legacyExpected(records, magic: magic, baseOffset: 1_000))
        #expect(bytes.getInteger(at: 16, as: Int8.self) == magic.rawValue)
        #expect(bytes.getInteger(at: 17, as: Int8.self).map { $0 & 0x07 } == codec.rawValue)
    }

    @Test(.enabled(if: KafkaPython.isAvailable, "python3 with kafka-python, lz4, python-snappy, zstandard, xxhash is needed"),
          arguments: legacyCases)
    func kafkaPythonDecodesOurLegacyMessageSet(_ magic: LegacyMagic, _ codec: CompressionCodec) throws {
        let records = sampleRecords(count: 30)
        let bytes = try downConverted(records, codec: codec, magic: magic)

        let batches = try KafkaPython.decode(bytes)

        #expect(batches.allSatisfy { $0.magic == Int(magic.rawValue) && $0.codec == Int(codec.rawValue) && $0.crcValid })
        #expect(batches.flatMap(\.records) == legacyExpected(records, magic: magic, baseOffset: 1_000))
    }

    @Test func downConversionSkipsControlBatchesAndWritesZstdUncompressed() throws {
        let records = sampleRecords(count: 3)
        var control = try RecordBatchBuilder(baseOffset: 0, isControl: true).build([ProducerRecord(key: nil, value: nil, timestamp: 1)])
        var zstd = try RecordBatchBuilder(baseOffset: 1, codec: .zstd).build(records)
        let batches = [try RecordBatch.read(from: &control), try RecordBatch.read(from: &zstd)]

        let bytes = try LegacyMessageSet.downConvert(batches, to: .v1)

        #expect(bytes.getInteger(at: 17, as: Int8.self) == 0)
        #expect(try LegacyMessageSet.decode(bytes).map(\.expectedRecord) == legacyExpected(records, magic: .v1, baseOffset: 1))
    }

    @Test func downConversionKeepsLogAppendTime() throws {
        var bytes = try RecordBatchBuilder(baseOffset: 50, codec: .gzip).build(sampleRecords(count: 4))
        try RecordBatchRewriter.setLogAppendTime(in: &bytes, batchAt: 0, timestamp: 1_800_000_000_000)
        let batch = try RecordBatch.read(from: &bytes)

        for codec in [CompressionCodec.gzip, .none] {
            var copy = batch
            copy.header.attributes = BatchAttributes(compression: codec, logAppendTime: true)
            let messages = try LegacyMessageSet.decode(try LegacyMessageSet.downConvert([copy], to: .v1))
            #expect(messages.map(\.timestamp) == Array(repeating: 1_800_000_000_000, count: 4))
            #expect(messages.allSatisfy { $0.isLogAppendTime })
            #expect(messages.map(\.offset) == [50, 51, 52, 53])
        }
    }

    @Test func convertToV2TakesTheRequestedCodec() throws {
        let records = sampleRecords(count: 10)
        let legacy = try LegacyMessageSet.encode(
            expected(records).map { LegacyMessage(offset: Offset($0.offset), timestamp: $0.timestamp,
                                                  key: $0.key.map(ByteBuffer.init(hex:)), value: $0.value.map(ByteBuffer.init(hex:))) },
            magic: .v1, codec: .snappy)

        var converted = try LegacyMessageSet.convertToV2(legacy, codec: .lz4)

        let batch = try RecordBatch.read(from: &converted)
        #expect(batch.header.attributes.compression == .lz4)
        #expect(batch.expectedRecords == legacyExpected(records, magic: .v1, baseOffset: 0))
    }
}
