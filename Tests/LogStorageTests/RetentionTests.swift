import KafkaProtocol
import NIOCore
import Testing

@testable import LogStorage

@Suite struct RetentionTests {
    private let batchSize = TestBatch().size

    /// A log with segments of 3 one-record batches; batch `i` has timestamp `1000 * i`.
    private func makeLog(_ directory: TemporaryDirectory, flusher: LogFlusher, batches: Int, settings: [String: String]) throws -> PartitionLog {
        var settings = settings
        settings["segment.bytes"] = "\(3 * batchSize)"
        let log = try PartitionLog.openForTest(directory, config: try configured(settings), flusher: flusher)
        for index in 0..<batches {
            _ = try log.append(records: TestBatch(maxTimestamp: Int64(1000 * index)).bytes, leaderEpoch: 0, now: Int64(1000 * index))
        }
        return log
    }

    @Test func timeRetentionDeletesSegmentsWhoseNewestRecordIsTooOld() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try makeLog(directory, flusher: flusher, batches: 10, settings: ["retention.ms": "5000"])
        #expect(try log.segmentBaseOffsets == [0, 3, 6, 9])

        // Segment 0..2 is newest at 2000, 3..5 at 5000: at now = 7500 only the first is older than 5 s.
        #expect(try log.enforceRetention(now: 7_500) == ["00000000000000000000.log"])
        #expect(try log.segmentBaseOffsets == [3, 6, 9])
        #expect(try log.offsets.logStartOffset == 3)
        #expect(throws: LogError.offsetOutOfRange(events0, requested: 2, logStartOffset: 3, logEndOffset: 10)) {
            try log.read(from: 2, maxBytes: 100, minOneBatch: true)
        }
        #expect(try log.enforceRetention(now: 7_500) == [])
    }

    @Test func whenEverySegmentExpiredTheActiveOneIsRolledFirst() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try makeLog(directory, flusher: flusher, batches: 5, settings: ["retention.ms": "1000"])
        let deleted = try log.enforceRetention(now: 100_000)
        #expect(deleted == ["00000000000000000000.log", "00000000000000000003.log"])
        #expect(try log.segmentBaseOffsets == [5])
        #expect(try log.offsets == LogOffsets(logStartOffset: 5, highWatermark: 5, lastStableOffset: 5, logEndOffset: 5))
        #expect(try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 100_000).firstOffset == 5)
    }

    @Test func sizeRetentionKeepsTheNewestSegmentsWithinTheLimit() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try makeLog(directory, flusher: flusher, batches: 11, settings: ["retention.bytes": "\(5 * batchSize)", "retention.ms": "-1"])
        #expect(try log.sizeInBytes == 11 * batchSize)
        // Deleting segments 0 and 3 leaves 5 batches; deleting 6 too would go below the limit, which Kafka allows only while the rest still exceeds it.
        #expect(try log.enforceRetention(now: 1 << 40) == ["00000000000000000000.log", "00000000000000000003.log"])
        #expect(try log.sizeInBytes == 5 * batchSize)
        #expect(try log.offsets.logStartOffset == 6)
    }

    @Test func compactOnlyTopicsAreNotDeletedByRetention() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try makeLog(directory, flusher: flusher, batches: 7, settings: ["retention.ms": "1", "cleanup.policy": "compact"])
        #expect(try log.enforceRetention(now: 1 << 40) == [])
    }

    @Test func deleteRecordsMovesTheLogStartAndSurvivesReopen() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        do {
            let log = try makeLog(directory, flusher: flusher, batches: 10, settings: [:])
            #expect(try log.deleteRecords(before: 7, now: 0) == 7)
            #expect(try log.segmentBaseOffsets == [6, 9])
            #expect(try log.readBuffer(from: 7, maxBytes: 1, minOneBatch: true).firstOffset == 7)
            #expect(throws: LogError.offsetOutOfRange(events0, requested: 6, logStartOffset: 7, logEndOffset: 10)) {
                try log.read(from: 6, maxBytes: 100, minOneBatch: true)
            }
            #expect(throws: LogError.offsetOutOfRange(events0, requested: 11, logStartOffset: 7, logEndOffset: 10)) {
                try log.deleteRecords(before: 11, now: 0)
            }
            #expect(try log.deleteRecords(before: 3, now: 0) == 7)
        }
        let reopened = try PartitionLog.openForTest(directory, config: try configured(["segment.bytes": "\(3 * batchSize)"]), flusher: flusher)
        #expect(try reopened.offsets.logStartOffset == 7)
        #expect(try reopened.offsets.logEndOffset == 10)
    }

    @Test func segmentsRollByAgeOnAppendAndOnSchedule() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, config: try configured(["segment.ms": "60000"]), flusher: flusher)
        _ = try log.append(records: TestBatch(maxTimestamp: 1_000).bytes, leaderEpoch: 0, now: 1_000)
        _ = try log.append(records: TestBatch(maxTimestamp: 50_000).bytes, leaderEpoch: 0, now: 50_000)
        #expect(try log.segmentBaseOffsets == [0])
        _ = try log.append(records: TestBatch(maxTimestamp: 61_001).bytes, leaderEpoch: 0, now: 61_001)
        #expect(try log.segmentBaseOffsets == [0, 2])

        #expect(try log.rollIfDue(now: 100_000) == false)
        #expect(try log.rollIfDue(now: 121_002) == true)
        #expect(try log.segmentBaseOffsets == [0, 2, 3])
        #expect(try log.rollIfDue(now: 1 << 40) == false)
    }

    @Test func truncateRemovesWholeBatchesFromTheEnd() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let config = try configured(["segment.bytes": "\(3 * TestBatch(records: 2).size)"])
        let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
        for index in 0..<8 {
            _ = try log.append(records: TestBatch(records: 2, producerID: 4, producerEpoch: 0, baseSequence: Int32(2 * index)).bytes, leaderEpoch: LeaderEpoch(Int32(index / 3)), now: 0)
        }
        #expect(try log.segmentBaseOffsets == [0, 6, 12])
        #expect(try log.truncate(to: 9) == 8)
        #expect(try log.segmentBaseOffsets == [0, 6])
        #expect(try log.offsets == LogOffsets(logStartOffset: 0, highWatermark: 8, lastStableOffset: 8, logEndOffset: 8))
        #expect(try log.latestLeaderEpoch == 1)
        // Producer state follows the log: the next expected sequence is 8 again.
        #expect(try log.append(records: TestBatch(records: 2, producerID: 4, producerEpoch: 0, baseSequence: 8).bytes, leaderEpoch: 2, now: 0).firstOffset == 8)
        #expect(try log.allHeaders().map(\.baseOffset) == [0, 2, 4, 6, 8])
    }
}
