import KafkaProtocol
import KafkaRecords
import NIOCore
import NIOPosix
import Testing

@testable import LogStorage

@Suite struct AppendReadTests {
    /// Appends batches of varying sizes and record counts; returns each batch's expected stored bytes.
    private func appendVaried(_ log: PartitionLog, count: Int, epoch: LeaderEpoch = 3) throws -> [ByteBuffer] {
        var stored: [ByteBuffer] = []
        for index in 0..<count {
            var bytes = TestBatch(records: Int32(index % 5 + 1), payloadBytes: 30 + index % 70, maxTimestamp: 10_000 + Int64(index), fill: UInt8(index % 251)).bytes
            let info = try log.append(records: bytes, leaderEpoch: epoch, now: 50_000)
            #expect(info.recordCount == index % 5 + 1)
            bytes.setInteger(info.firstOffset.rawValue, at: 0)
            bytes.setInteger(epoch.rawValue, at: RecordBatchHeader.partitionLeaderEpochOffset)
            stored.append(bytes)
        }
        return stored
    }

    @Test func roundTripAcrossManyRollsFindsTheBatchForEveryOffset() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, config: try configured(["segment.bytes": "1000", "index.interval.bytes": "150"]), flusher: flusher)
        let stored = try appendVaried(log, count: 200)

        let segments = try log.segmentBaseOffsets
        #expect(segments.count > 15)
        let lastHeader = RecordBatchHeader.peek(stored[199], at: 0)!
        #expect(try log.offsets == LogOffsets(logStartOffset: 0, highWatermark: lastHeader.nextOffset, lastStableOffset: lastHeader.nextOffset, logEndOffset: lastHeader.nextOffset))

        for batch in stored {
            let header = RecordBatchHeader.peek(batch, at: 0)!
            for offset in header.baseOffset.rawValue...header.lastOffset.rawValue {
                let result = try log.readBuffer(from: Offset(offset), maxBytes: 1, minOneBatch: true)
                #expect(result.records == batch, "offset \(offset)")
                #expect(result.firstOffset == header.baseOffset)
                #expect(result.nextOffset == header.nextOffset)
            }
        }
    }

    @Test func fileRegionCoversWholeBatchesOfOneSegment() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, config: try configured(["segment.bytes": "100000"]), flusher: flusher)
        let stored = try appendVaried(log, count: 10)

        let wanted = stored[2].readableBytes + stored[3].readableBytes + stored[4].readableBytes
        let start = RecordBatchHeader.peek(stored[2], at: 0)!.baseOffset
        let result = try log.read(from: start, maxBytes: wanted + stored[5].readableBytes - 1, minOneBatch: true)
        let region = try #require(result.region)
        defer { try? result.closeFile() }
        let expectedPosition = stored[0..<2].reduce(0) { $0 + $1.readableBytes }
        #expect(region.readerIndex == expectedPosition)
        #expect(region.readableBytes == wanted)
        #expect(result.nextOffset == RecordBatchHeader.peek(stored[5], at: 0)!.baseOffset)

        let bytes = try region.fileHandle.withUnsafeFileDescriptor { descriptor -> [UInt8] in
            var bytes = [UInt8](repeating: 0, count: region.readableBytes)
            let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, region.readableBytes, off_t(region.readerIndex)) }
            #expect(count == region.readableBytes)
            return bytes
        }
        var expected = stored[2]
        expected.writeImmutableBuffer(stored[3])
        expected.writeImmutableBuffer(stored[4])
        #expect(bytes == Array(expected.readableBytesView))
    }

    @Test func maxBytesAndMinOneBatch() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        let big = TestBatch(payloadBytes: 5_000).bytes
        _ = try log.append(records: big, leaderEpoch: 0, now: 0)
        _ = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)

        let none = try log.read(from: 0, maxBytes: 100, minOneBatch: false)
        #expect(none.region == nil)
        #expect(none.nextOffset == 0)

        let one = try log.readBuffer(from: 0, maxBytes: 100, minOneBatch: true)
        #expect(one.records.readableBytes == big.readableBytes)
        #expect(one.nextOffset == 1)

        let both = try log.readBuffer(from: 0, maxBytes: 100_000, minOneBatch: false)
        #expect(both.records.readableBytes == big.readableBytes + TestBatch().size)
        #expect(both.nextOffset == 2)
    }

    @Test func readStopsAtTheBoundAndRejectsOffsetsOutsideTheLog() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        for _ in 0..<4 { _ = try log.append(records: TestBatch(records: 2).bytes, leaderEpoch: 0, now: 0) }

        let bounded = try log.readBuffer(from: 0, maxBytes: 100_000, upTo: .offset(4), minOneBatch: true)
        #expect(bounded.nextOffset == 4)
        #expect(bounded.records.readableBytes == 2 * TestBatch(records: 2).size)

        let atEnd = try log.read(from: 8, maxBytes: 100, minOneBatch: true)
        #expect(atEnd.region == nil)
        #expect(atEnd.offsets.logEndOffset == 8)

        #expect(throws: LogError.offsetOutOfRange(events0, requested: 9, logStartOffset: 0, logEndOffset: 8)) {
            try log.read(from: 9, maxBytes: 100, minOneBatch: true)
        }
    }

    @Test func appendPatchesOffsetAndEpochOnlyAndKeepsTheCRCValid() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        _ = try log.append(records: TestBatch(records: 3).bytes, leaderEpoch: 7, now: 0)
        let original = TestBatch(records: 2, fill: 0x11).bytes
        let info = try log.append(records: original, leaderEpoch: 7, now: 0)
        #expect(info.firstOffset == 3 && info.lastOffset == 4)
        #expect(info.logAppendTime == -1)

        let stored = try log.readBuffer(from: 3, maxBytes: 1000, minOneBatch: true).records
        let header = try #require(RecordBatchHeader.peek(stored, at: 0))
        #expect(header.baseOffset == 3)
        #expect(header.partitionLeaderEpoch == 7)
        #expect(RecordBatchHeader.computeCRC(of: stored, batchAt: 0, totalSize: stored.readableBytes) == header.crc)
        #expect(stored.getBytes(at: 12 + 4, length: original.readableBytes - 16) == original.getBytes(at: 16, length: original.readableBytes - 16))
    }

    @Test func logAppendTimeStampsTheBrokerClockAndRecomputesTheCRC() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, config: try configured(["message.timestamp.type": "LogAppendTime"]), flusher: flusher)
        let info = try log.append(records: TestBatch(maxTimestamp: 5).bytes, leaderEpoch: 0, now: 1_700_000_000_000)
        #expect(info.logAppendTime == 1_700_000_000_000)
        #expect(info.maxTimestamp == 1_700_000_000_000)

        let stored = try log.readBuffer(from: 0, maxBytes: 1000, minOneBatch: true).records
        let header = try #require(RecordBatchHeader.peek(stored, at: 0))
        #expect(header.attributes.isLogAppendTime)
        #expect(header.maxTimestamp == 1_700_000_000_000)
        #expect(header.baseTimestamp == 5)
        #expect(RecordBatchHeader.computeCRC(of: stored, batchAt: 0, totalSize: stored.readableBytes) == header.crc)
    }

    @Test func rejectsMalformedAndOversizedBatchesWithoutChangingTheLog() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, config: try configured(["max.message.bytes": "200"]), flusher: flusher)
        _ = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)

        #expect(throws: LogError.batchTooLarge(events0, size: 361, limit: 200, key: "max.message.bytes")) {
            try log.append(records: TestBatch(payloadBytes: 300).bytes, leaderEpoch: 0, now: 0)
        }
        var torn = TestBatch().bytes
        torn.moveWriterIndex(to: torn.writerIndex - 1)
        #expect(throws: LogError.self) { try log.append(records: torn, leaderEpoch: 0, now: 0) }
        #expect(throws: LogError.self) { try log.append(records: ByteBuffer(), leaderEpoch: 0, now: 0) }
        do {
            _ = try log.append(records: torn, leaderEpoch: 0, now: 0)
        } catch let error as LogError {
            #expect(error.errorCode == .corruptMessage)
        }
        #expect(try log.offsets.logEndOffset == 1)
        #expect(try log.sizeInBytes == TestBatch().size)
    }

    @Test func multipleBatchesInOneAppendGetConsecutiveOffsets() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        var records = TestBatch(records: 2, maxTimestamp: 9).bytes
        records.writeImmutableBuffer(TestBatch(records: 3, maxTimestamp: 4).bytes)
        let info = try log.append(records: records, leaderEpoch: 1, now: 0)
        #expect(info.firstOffset == 0 && info.lastOffset == 4 && info.recordCount == 5)
        #expect(info.maxTimestamp == 9 && info.offsetOfMaxTimestamp == 1)
        #expect(try log.allHeaders().map(\.baseOffset) == [0, 2])
    }
}
