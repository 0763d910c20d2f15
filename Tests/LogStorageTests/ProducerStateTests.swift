import KafkaProtocol
import NIOCore
import Testing

@testable import LogStorage

@Suite struct ProducerStateTests {
    private func batch(_ sequence: Int32, records: Int32 = 1, epoch: Int16 = 0, producer: Int64 = 42) -> ByteBuffer {
        TestBatch(records: records, producerID: producer, producerEpoch: epoch, baseSequence: sequence).bytes
    }

    @Test func retriedBatchReturnsItsOriginalOffsetsWithoutAppending() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        _ = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
        let first = try log.append(records: batch(0, records: 3), leaderEpoch: 0, now: 0)
        _ = try log.append(records: batch(3, records: 2), leaderEpoch: 0, now: 0)
        let size = try log.sizeInBytes

        let retry = try log.append(records: batch(0, records: 3), leaderEpoch: 0, now: 0)
        #expect(retry.isDuplicate)
        #expect(retry.firstOffset == first.firstOffset && retry.lastOffset == first.lastOffset)
        #expect(retry.firstOffset == 1 && retry.lastOffset == 3)
        #expect(try log.sizeInBytes == size)
        #expect(try log.offsets.logEndOffset == 6)
    }

    @Test func onlyTheLastFiveBatchesAreRecognisedAsRetries() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        for sequence in 0..<6 { _ = try log.append(records: batch(Int32(sequence)), leaderEpoch: 0, now: 0) }
        #expect(try log.append(records: batch(1), leaderEpoch: 0, now: 0).isDuplicate)
        #expect(throws: LogError.outOfOrderSequence(events0, producerID: 42, expected: 6, received: 0)) {
            try log.append(records: batch(0), leaderEpoch: 0, now: 0)
        }
    }

    @Test func sequenceGapIsOutOfOrder() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        _ = try log.append(records: batch(0, records: 2), leaderEpoch: 0, now: 0)
        do {
            _ = try log.append(records: batch(3), leaderEpoch: 0, now: 0)
            Issue.record("a gap must be refused")
        } catch let error as LogError {
            #expect(error == .outOfOrderSequence(events0, producerID: 42, expected: 2, received: 3))
            #expect(error.errorCode == .outOfOrderSequenceNumber)
        }
        #expect(try log.offsets.logEndOffset == 2)
    }

    @Test func olderEpochIsFencedAndANewEpochStartsAtZero() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        _ = try log.append(records: batch(0, epoch: 2), leaderEpoch: 0, now: 0)
        do {
            _ = try log.append(records: batch(1, epoch: 1), leaderEpoch: 0, now: 0)
            Issue.record("an older epoch must be fenced")
        } catch let error as LogError {
            #expect(error == .invalidProducerEpoch(events0, producerID: 42, current: 2, received: 1))
            #expect(error.errorCode == .invalidProducerEpoch)
        }
        #expect(throws: LogError.outOfOrderSequence(events0, producerID: 42, expected: 0, received: 5)) {
            try log.append(records: batch(5, epoch: 3), leaderEpoch: 0, now: 0)
        }
        #expect(try log.append(records: batch(0, epoch: 3), leaderEpoch: 0, now: 0).firstOffset == 1)
        #expect(try log.append(records: batch(1, epoch: 3), leaderEpoch: 0, now: 0).firstOffset == 2)
    }

    @Test func unknownProducerMayStartAnywhereAndSequencesWrapAtInt32Max() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        _ = try log.append(records: batch(Int32.max - 1, records: 2), leaderEpoch: 0, now: 0)
        #expect(try log.append(records: batch(0, records: 2), leaderEpoch: 0, now: 0).firstOffset == 2)
        #expect(throws: LogError.outOfOrderSequence(events0, producerID: 42, expected: 2, received: 3)) {
            try log.append(records: batch(3), leaderEpoch: 0, now: 0)
        }
    }

    @Test func stateSurvivesACrashAndACleanRestart() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let config = try configured(["segment.bytes": "\(4 * TestBatch().size)"])
        do {
            let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
            for sequence in 0..<10 { _ = try log.append(records: batch(Int32(sequence)), leaderEpoch: 0, now: 0) }
        }
        let crashed = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
        #expect(crashed.recoveryReport.producerSnapshotOffset == 8)
        #expect(crashed.recoveryReport.producerBatchesScanned == 2)
        #expect(try crashed.append(records: batch(9), leaderEpoch: 0, now: 0) == AppendInfo(
            firstOffset: 9, lastOffset: 9, maxTimestamp: 1_000, offsetOfMaxTimestamp: 9, logAppendTime: -1,
            logStartOffset: 0, recordCount: 1, isDuplicate: true))
        #expect(throws: LogError.outOfOrderSequence(events0, producerID: 42, expected: 10, received: 11)) {
            try crashed.append(records: batch(11), leaderEpoch: 0, now: 0)
        }
        _ = try crashed.append(records: batch(10), leaderEpoch: 0, now: 0)
        try crashed.close()

        let restarted = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
        #expect(restarted.recoveryReport.producerSnapshotOffset == 11)
        #expect(try restarted.append(records: batch(10), leaderEpoch: 0, now: 0).isDuplicate)
        #expect(throws: LogError.invalidProducerEpoch(events0, producerID: 42, current: 0, received: -1)) {
            try restarted.append(records: batch(11, epoch: -1), leaderEpoch: 0, now: 0)
        }
    }

    @Test func duplicateInsideAMultiBatchAppendIsRefused() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        _ = try log.append(records: batch(0), leaderEpoch: 0, now: 0)
        var records = batch(1)
        records.writeImmutableBuffer(batch(1))
        #expect(throws: LogError.duplicateSequence(events0, producerID: 42, baseSequence: 1)) {
            try log.append(records: records, leaderEpoch: 0, now: 0)
        }
        #expect(try log.offsets.logEndOffset == 1)
    }

    @Test func snapshotFileRoundTripsAndRejectsCorruption() throws {
        var table = ProducerStateTable()
        for sequence in Int32(0)..<7 {
            table.record(.init(
                baseOffset: Offset(Int64(sequence) * 2), batchLength: 49, partitionLeaderEpoch: 0, crc: 0,
                attributes: .init(compression: .none), lastOffsetDelta: 1, baseTimestamp: 5, maxTimestamp: 9,
                producerID: ProducerID(Int64(sequence % 2)), producerEpoch: 1, baseSequence: sequence * 2, recordCount: 2))
        }
        var bytes = ProducerStateSnapshot.encode(table)
        #expect(ProducerStateSnapshot.decode(bytes) == table)
        #expect(table.producers[1]?.batches.count == 3)
        bytes.setInteger(UInt8(0x55), at: 20)
        #expect(ProducerStateSnapshot.decode(bytes) == nil)
    }

    @Test func idleProducersExpire() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        _ = try log.append(records: TestBatch(maxTimestamp: 1_000, producerID: 1, producerEpoch: 0, baseSequence: 0).bytes, leaderEpoch: 0, now: 0)
        _ = try log.append(records: TestBatch(maxTimestamp: 9_000, producerID: 2, producerEpoch: 0, baseSequence: 0).bytes, leaderEpoch: 0, now: 0)
        #expect(try log.removeExpiredProducers(now: 10_000, expirationMs: 5_000) == 1)
        // Producer 1 is forgotten, so any sequence is accepted again; producer 2 is still checked.
        _ = try log.append(records: TestBatch(producerID: 1, producerEpoch: 0, baseSequence: 77).bytes, leaderEpoch: 0, now: 0)
        #expect(throws: LogError.self) {
            try log.append(records: TestBatch(producerID: 2, producerEpoch: 0, baseSequence: 77).bytes, leaderEpoch: 0, now: 0)
        }
    }
}
