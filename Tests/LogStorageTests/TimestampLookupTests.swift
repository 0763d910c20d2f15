import KafkaProtocol
import NIOCore
import Testing

@testable import LogStorage

@Suite struct TimestampLookupTests {
    @Test func findsTheFirstBatchWithATimestampAtLeastTheTargetBeforeAndAfterReopen() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let config = try configured(["segment.bytes": "700", "index.interval.bytes": "200"])
        let timestamps: [Int64] = (0..<40).map { Int64(($0 * 53) % 97) * 10 }
        do {
            let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
            for timestamp in timestamps {
                _ = try log.append(records: TestBatch(records: 3, maxTimestamp: timestamp).bytes, leaderEpoch: 0, now: 0)
            }
            try checkEveryTarget(log, timestamps: timestamps)
            try log.close()
        }
        let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
        try checkEveryTarget(log, timestamps: timestamps)
    }

    private func checkEveryTarget(_ log: PartitionLog, timestamps: [Int64]) throws {
        for target in stride(from: Int64(-5), through: 1_000, by: 5) {
            let expected = timestamps.firstIndex { $0 >= target }.map { TimestampOffset(offset: Offset(Int64($0 * 3)), timestamp: timestamps[$0]) }
            #expect(try log.offset(forTimestamp: target) == expected, "target \(target)")
        }
        let maxIndex = timestamps.firstIndex(of: timestamps.max()!)!
        #expect(try log.offsetOfMaxTimestamp() == TimestampOffset(offset: Offset(Int64(maxIndex * 3 + 2)), timestamp: timestamps.max()!))
    }

    @Test func resultNeverPrecedesTheLogStartOffset() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        _ = try log.append(records: TestBatch(records: 4, maxTimestamp: 100).bytes, leaderEpoch: 0, now: 0)
        _ = try log.deleteRecords(before: 2, now: 0)
        #expect(try log.offset(forTimestamp: 0) == TimestampOffset(offset: 2, timestamp: 100))
        #expect(try log.offset(forTimestamp: 101) == nil)
    }
}
