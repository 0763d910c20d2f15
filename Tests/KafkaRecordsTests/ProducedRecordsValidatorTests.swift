import KafkaProtocol
import KafkaRecords
import NIOCore
import Testing

@Suite struct ProducedRecordsValidatorTests {
    static func batch(_ count: Int = 5, codec: CompressionCodec = .none, control: Bool = false) throws -> ByteBuffer {
        try RecordBatchBuilder(codec: codec, producerID: 12, producerEpoch: 1, baseSequence: 0, isControl: control)
            .build(sampleRecords(count: count))
    }

    /// A request buffer whose reader index is not 0, as a slice of a Produce request is.
    static func requestBuffer(_ batches: [ByteBuffer]) -> ByteBuffer {
        var buffer = ByteBuffer(repeating: 0xEE, count: 40)
        buffer.moveReaderIndex(forwardBy: 40)
        for var batch in batches { buffer.writeBuffer(&batch) }
        return buffer
    }

    @Test func acceptsSeveralBatchesAndReportsWhereEachStarts() throws {
        let parts = [try Self.batch(3), try Self.batch(10, codec: .lz4), try Self.batch(1, codec: .zstd)]
        let request = Self.requestBuffer(parts)

        let validated = try ProducedRecordsValidator.validate(request, maxBatchBytes: 1 << 20)

        #expect(validated.map(\.position) == [40, 40 + parts[0].readableBytes, 40 + parts[0].readableBytes + parts[1].readableBytes])
        #expect(validated.map(\.header.recordCount) == [3, 10, 1])
        #expect(validated.map(\.header.attributes.compression) == [CompressionCodec.none, .lz4, .zstd])
        #expect(validated.map(\.header.producerID) == [12, 12, 12])
    }

    @Test func rejectsAnEmptyRequest() {
        #expect {
            try ProducedRecordsValidator.validate(ByteBuffer(), maxBatchBytes: 1 << 20)
        } throws: { ($0 as? RecordBatchError)?.errorCode == .invalidRecord }
    }

    @Test func rejectsABatchOverTheSizeLimitAsMessageTooLarge() throws {
        let small = try Self.batch(1)
        let large = try Self.batch(50)
        let request = Self.requestBuffer([small, large])
        let expected = RecordBatchError.batchTooLarge(
            size: large.readableBytes, limit: large.readableBytes - 1, position: 40 + small.readableBytes, baseOffset: 0)
        #expect(throws: expected) {
            try ProducedRecordsValidator.validate(request, maxBatchBytes: large.readableBytes - 1)
        }
        #expect(expected.errorCode == .messageTooLarge)
        #expect(try ProducedRecordsValidator.validate(request, maxBatchBytes: large.readableBytes).count == 2)
    }

    @Test(arguments: [(Int32(0), Int32(-1)), (5, 5), (5, 3), (-2, -3)])
    func rejectsRecordCountsAProducerCannotSend(_ recordCount: Int32, _ lastOffsetDelta: Int32) throws {
        var bytes = try Self.batch(5)
        bytes.setInteger(recordCount, at: 57)
        bytes.setInteger(lastOffsetDelta, at: 23)
        let sealed = CorruptionTests.resealed(bytes)
        let expected = RecordBatchError.invalidRecordCount(recordCount: recordCount, lastOffsetDelta: lastOffsetDelta, baseOffset: 0)
        #expect(throws: expected) { try ProducedRecordsValidator.validate(sealed, maxBatchBytes: 1 << 20) }
        #expect(expected.errorCode == .invalidRecord)
    }

    @Test func rejectsControlBatchesFromClients() throws {
        let bytes = try Self.batch(1, control: true)
        #expect {
            try ProducedRecordsValidator.validate(bytes, maxBatchBytes: 1 << 20)
        } throws: { ($0 as? RecordBatchError)?.errorCode == .invalidRecord }
    }

    @Test func reportsTheDamagedBatchsPosition() throws {
        let first = try Self.batch(2)
        var second = try Self.batch(2)
        second.setInteger(UInt8(0xFF), at: second.writerIndex - 1)
        #expect {
            try ProducedRecordsValidator.validate(Self.requestBuffer([first, second]), maxBatchBytes: 1 << 20)
        } throws: { error in
            guard case RecordBatchError.corruptCRC(_, _, let position, _) = error else { return false }
            return position == 40 + first.readableBytes
        }
    }

    @Test func rejectsATrailingPartialBatch() throws {
        let whole = try Self.batch(2)
        let request = Self.requestBuffer([whole, whole.getSlice(at: 0, length: 30)!])
        #expect(throws: RecordBatchError.truncated(what: "batch header", position: 40 + whole.readableBytes, needed: 61, available: 30)) {
            try ProducedRecordsValidator.validate(request, maxBatchBytes: 1 << 20)
        }
    }

    @Test func assignOffsetsLeavesTheCRCValid() throws {
        let first = try Self.batch(3)
        var request = Self.requestBuffer([first, try Self.batch(4, codec: .gzip)])
        let validated = try ProducedRecordsValidator.validate(request, maxBatchBytes: 1 << 20)

        var next = Offset(1_000)
        for batch in validated {
            try RecordBatchRewriter.assignOffsets(in: &request, batchAt: batch.position, baseOffset: next, partitionLeaderEpoch: 6)
            next = Offset(next.rawValue + Int64(batch.header.recordCount))
        }

        let revalidated = try ProducedRecordsValidator.validate(request, maxBatchBytes: 1 << 20)
        #expect(revalidated.map(\.header.baseOffset) == [1_000, 1_003])
        #expect(revalidated.map(\.header.partitionLeaderEpoch) == [6, 6])
        #expect(revalidated.map(\.header.crc) == validated.map(\.header.crc))
        let decoded = try RecordBatch.readAll(from: request)
        #expect(decoded.flatMap { batch in batch.records.map { batch.offset(of: $0) } } == (1_000..<1_007).map(Offset.init))
    }

    @Test func setLogAppendTimeRecomputesTheCRC() throws {
        var request = Self.requestBuffer([try Self.batch(1), try Self.batch(6, codec: .snappy)])
        let validated = try ProducedRecordsValidator.validate(request, maxBatchBytes: 1 << 20)

        try RecordBatchRewriter.setLogAppendTime(in: &request, batchAt: validated[1].position, timestamp: 1_900_000_000_000)

        let revalidated = try ProducedRecordsValidator.validate(request, maxBatchBytes: 1 << 20)
        #expect(revalidated[0] == validated[0])
        #expect(revalidated[1].header.attributes == BatchAttributes(compression: .snappy, logAppendTime: true))
        #expect(revalidated[1].header.maxTimestamp == 1_900_000_000_000)
        #expect(revalidated[1].header.baseTimestamp == validated[1].header.baseTimestamp)
        #expect(revalidated[1].header.crc != validated[1].header.crc)
        let decoded = try RecordBatch.readAll(from: request)
        #expect(decoded[1].records.map { decoded[1].timestamp(of: $0) } == Array(repeating: 1_900_000_000_000, count: 6))
    }

    @Test func rewritingOutsideABatchThrows() throws {
        var bytes = try Self.batch(1)
        #expect(throws: RecordBatchError.self) {
            try RecordBatchRewriter.setLogAppendTime(in: &bytes, batchAt: 10, timestamp: 0)
        }
        #expect(throws: RecordBatchError.self) {
            try RecordBatchRewriter.assignOffsets(in: &bytes, batchAt: bytes.writerIndex - 5, baseOffset: 0, partitionLeaderEpoch: 0)
        }
    }
}
