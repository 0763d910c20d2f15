import KafkaProtocol
import KafkaRecords
import NIOCore
import NIOPosix
import Testing

@testable import LogStorage

@Suite struct RecoveryTests {
    private func logFile(_ directory: TemporaryDirectory, base: Offset, suffix: String = "log") -> String {
        FileSystem.join(directory.partitionDirectory(events0), SegmentFileName.name(base, suffix))
    }

    private func fileSize(_ path: String) throws -> Int {
        try OpenFile.open(path, create: false).size()
    }

    /// Appends `count` one-record batches and leaves the log open, as a crashed broker would.
    private func crashAfterAppending(_ count: Int, _ directory: TemporaryDirectory, config: LogConfig = LogConfig(), flusher: LogFlusher) throws {
        let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
        for index in 0..<count {
            _ = try log.append(records: TestBatch(maxTimestamp: Int64(index)).bytes, leaderEpoch: 0, now: 0)
        }
    }

    @Test func tornTailIsCutAndAppendsContinueAtTheRightOffset() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        try crashAfterAppending(10, directory, flusher: flusher)
        let path = logFile(directory, base: 0)
        let batchSize = TestBatch().size
        #expect(try fileSize(path) == 10 * batchSize)
        try OpenFile.open(path, create: false).truncate(to: 9 * batchSize + 70)

        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        let report = log.recoveryReport
        #expect(!report.cleanShutdown)
        #expect(report.actions == [
            .scanned(file: "00000000000000000000.log", batches: 9),
            .truncated(
                file: "00000000000000000000.log", position: 9 * batchSize, bytesRemoved: 70,
                reason: "torn batch: \(batchSize) bytes declared, 70 left at position \(9 * batchSize)"),
        ])
        #expect(try log.offsets.logEndOffset == 9)
        #expect(try fileSize(path) == 9 * batchSize)
        #expect(try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0).firstOffset == 9)
        #expect(try log.allHeaders().map(\.baseOffset) == (0..<10).map { Offset($0) })
    }

    @Test func flippedByteInTheLastBatchFailsItsCRCAndIsCut() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        try crashAfterAppending(10, directory, flusher: flusher)
        let path = logFile(directory, base: 0)
        let batchSize = TestBatch().size
        let file = try OpenFile.open(path, create: false)
        try file.write(ByteBuffer(bytes: [0x00]), at: 9 * batchSize + RecordBatchHeader.size + 5)

        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        guard case .truncated(_, let position, let removed, let reason) = log.recoveryReport.actions.last else {
            Issue.record("expected a truncation, got \(log.recoveryReport.actions)")
            return
        }
        #expect(position == 9 * batchSize)
        #expect(removed == batchSize)
        #expect(reason.hasPrefix("CRC mismatch at position \(9 * batchSize)"))
        #expect(try log.offsets.logEndOffset == 9)
    }

    @Test func corruptionInAnEarlierBatchDropsEverythingAfterItIncludingLaterSegments() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let batchSize = TestBatch().size
        let config = try configured(["segment.bytes": "\(5 * batchSize)"])
        try crashAfterAppending(12, directory, config: config, flusher: flusher)
        // Never flushed: every segment is after the recovery point and is rescanned.
        try OpenFile.open(logFile(directory, base: 5), create: false).write(ByteBuffer(bytes: [0xFF, 0xFF]), at: 2 * batchSize + 70)

        let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
        #expect(try log.offsets.logEndOffset == 7)
        #expect(try log.segmentBaseOffsets == [0, 5])
        #expect(log.recoveryReport.actions.contains(.deletedSegment(file: "00000000000000000010.log", reason: "follows the truncated segment 00000000000000000005.log")))
        #expect(!FileSystem.exists(logFile(directory, base: 10)))
    }

    @Test func missingOrCorruptIndexFilesAreRebuiltAndLookupsStayRight() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let config = try configured(["segment.bytes": "606", "index.interval.bytes": "100"])
        var before: [Offset: LogBufferReadResult] = [:]
        var timestamps: [Int64: TimestampOffset?] = [:]
        do {
            let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
            for index in 0..<60 {
                _ = try log.append(records: TestBatch(records: 2, maxTimestamp: Int64((index * 37) % 100)).bytes, leaderEpoch: 0, now: 0)
            }
            for offset in 0..<120 { before[Offset(Int64(offset))] = try log.readBuffer(from: Offset(Int64(offset)), maxBytes: 300, minOneBatch: true) }
            for timestamp in stride(from: Int64(-1), through: 101, by: 3) { timestamps[timestamp] = try log.offset(forTimestamp: timestamp) }
            try log.close()
        }
        try FileSystem.removeFile(logFile(directory, base: 0, suffix: "index"))
        let timeIndex = logFile(directory, base: 12, suffix: "timeindex")
        try OpenFile.open(timeIndex, create: false).truncate(to: try fileSize(timeIndex) - 5)
        let offsetIndex = logFile(directory, base: 24, suffix: "index")
        try OpenFile.open(offsetIndex, create: false).write(ByteBuffer(bytes: [0, 0, 0, 0, 0, 0, 0, 0]), at: 8)

        let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
        #expect(log.recoveryReport.cleanShutdown)
        #expect(log.recoveryReport.actions == [
            .rebuiltIndex(file: "00000000000000000000.index", reason: "missing"),
            .scanned(file: "00000000000000000000.log", batches: 6),
            .rebuiltIndex(file: "00000000000000000012.timeindex", reason: "size 19 is not a multiple of 12"),
            .scanned(file: "00000000000000000012.log", batches: 6),
            .rebuiltIndex(file: "00000000000000000024.index", reason: "entry 1 does not increase"),
            .scanned(file: "00000000000000000024.log", batches: 6),
        ])
        for offset in 0..<120 {
            #expect(try log.readBuffer(from: Offset(Int64(offset)), maxBytes: 300, minOneBatch: true) == before[Offset(Int64(offset))])
        }
        for (timestamp, expected) in timestamps { #expect(try log.offset(forTimestamp: timestamp) == expected, "timestamp \(timestamp)") }
        #expect(try fileSize(logFile(directory, base: 0, suffix: "index")) > 0)
    }

    @Test func reopenAfterCleanCloseReadsNoSegmentAndNoProducerHistory() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let config = try configured(["segment.bytes": "1000"])
        do {
            let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
            for sequence in 0..<30 {
                _ = try log.append(records: TestBatch(producerID: 7, producerEpoch: 0, baseSequence: Int32(sequence)).bytes, leaderEpoch: 0, now: 0)
            }
            try log.close()
            #expect(throws: LogError.closed(events0)) { try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0) }
        }
        let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
        let report = log.recoveryReport
        #expect(report.cleanShutdown)
        #expect(report.actions == [])
        #expect(report.producerSnapshotOffset == 30)
        #expect(report.producerBatchesScanned == 0)
        #expect(try log.offsets.logEndOffset == 30)
        #expect(try log.durableOffset == 30)
        #expect(try log.append(records: TestBatch(producerID: 7, producerEpoch: 0, baseSequence: 29).bytes, leaderEpoch: 0, now: 0).isDuplicate)
    }

    @Test func afterACrashOnlySegmentsFromTheRecoveryPointAreRescanned() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let batchSize = TestBatch().size
        let config = try configured(["segment.bytes": "\(4 * batchSize)"])
        do {
            let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
            for _ in 0..<10 { _ = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0) }
            try log.flush()
            try log.writeCheckpoint()
            for _ in 0..<6 { _ = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0) }
        }
        let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
        #expect(log.recoveryReport.scannedSegments == ["00000000000000000008.log", "00000000000000000012.log"])
        #expect(try log.offsets.logEndOffset == 16)
        #expect(try log.durableOffset == 16)
    }

    @Test func strayFilesAreRemoved() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        try crashAfterAppending(2, directory, flusher: flusher)
        let partition = directory.partitionDirectory(events0)
        for name in ["00000000000000000099.index", "partition-checkpoint.tmp"] {
            try FileSystem.writeAtomically(FileSystem.join(partition, name), contents: ByteBuffer(string: "x"), durable: false)
        }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        #expect(log.recoveryReport.actions.contains(.removedStrayFile(file: "00000000000000000099.index")))
        #expect(log.recoveryReport.actions.contains(.removedStrayFile(file: "partition-checkpoint.tmp")))
        #expect(try log.offsets.logEndOffset == 2)
    }

    @Test func unreadableCheckpointsAndSnapshotsAreReportedAndRebuiltFromTheLog() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        do {
            let log = try PartitionLog.openForTest(directory, flusher: flusher)
            for sequence in 0..<3 {
                _ = try log.append(records: TestBatch(producerID: 9, producerEpoch: 0, baseSequence: Int32(sequence)).bytes, leaderEpoch: 4, now: 0)
            }
            try log.close()
        }
        let partition = directory.partitionDirectory(events0)
        for name in ["partition-checkpoint", "leader-epoch-checkpoint", "00000000000000000003.snapshot"] {
            try FileSystem.writeAtomically(FileSystem.join(partition, name), contents: ByteBuffer(string: "garbage"), durable: false)
        }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        let report = log.recoveryReport
        #expect(!report.cleanShutdown)
        #expect(report.actions == [
            .discardedFile(file: "partition-checkpoint", reason: "does not parse"),
            .discardedFile(file: "leader-epoch-checkpoint", reason: "does not parse"),
            .scanned(file: "00000000000000000000.log", batches: 3),
            .discardedFile(file: "00000000000000000003.snapshot", reason: "not a readable producer state snapshot"),
        ])
        #expect(report.producerBatchesScanned == 3)
        #expect(try log.latestLeaderEpoch == 4)
        #expect(try log.append(records: TestBatch(producerID: 9, producerEpoch: 0, baseSequence: 2).bytes, leaderEpoch: 4, now: 0).isDuplicate)
    }
}
