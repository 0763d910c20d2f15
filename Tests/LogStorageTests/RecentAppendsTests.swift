import KafkaProtocol
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import LogStorage

/// Tail reads answered from memory must equal what the files give, and must give way to the files
/// whenever memory cannot be sure.
@Suite struct RecentAppendsTests {
    private func open(_ directory: TemporaryDirectory, _ flusher: LogFlusher, segmentBytes: Int = 100_000) throws -> PartitionLog {
        try PartitionLog.openForTest(directory, config: try configured(["segment.bytes": "\(segmentBytes)"]), flusher: flusher)
    }

    /// Appends `count` batches of 1–3 records; returns their first offsets.
    private func appendBatches(_ log: PartitionLog, count: Int) throws -> [Offset] {
        try (0..<count).map { index in
            try log.append(records: TestBatch(records: Int32(index % 3 + 1), payloadBytes: 20 + index, fill: UInt8(index)).bytes, leaderEpoch: 0, now: 1_000).firstOffset
        }
    }

    /// What a read returns, whether from memory or as a file region: its bytes and offsets.
    private func span(_ result: LogReadResult) throws -> (bytes: [UInt8], first: Offset?, next: Offset)? {
        switch result.records {
        case .none:
            return nil
        case .memory(let buffer):
            return (Array(buffer.readableBytesView), result.firstOffset, result.nextOffset)
        case .file(let region):
            var bytes = [UInt8](repeating: 0, count: region.readableBytes)
            let read = try region.fileHandle.withUnsafeFileDescriptor { descriptor in
                bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(region.readerIndex)) }
            }
            #expect(read == region.readableBytes)
            return (bytes, result.firstOffset, result.nextOffset)
        }
    }

    private func isInMemory(_ result: LogReadResult) -> Bool {
        if case .memory = result.records { return true }
        return false
    }

    @Test func tailReadsEqualFileReadsForEveryRecentAppend() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try open(directory, flusher)
        let firsts = try appendBatches(log, count: 10)

        for (maxBytes, first) in [(1_000_000, firsts[0]), (1_000_000, firsts[7]), (150, firsts[4])] {
            let fromMemory = try #require(try log.readRecent(from: first, maxBytes: maxBytes, minOneBatch: true))
            let fromFile = try log.read(from: first, maxBytes: maxBytes, minOneBatch: true)
            defer { try? fromMemory.closeFile(); try? fromFile.closeFile() }
            let memorySpan = try #require(try span(fromMemory))
            let fileSpan = try #require(try span(fromFile))
            #expect(memorySpan == fileSpan, "read from \(first) with maxBytes \(maxBytes)")
            #expect(isInMemory(fromMemory), "small appends are answered from their kept bytes")
            #expect(fromMemory.offsets == fromFile.offsets)
        }
    }

    @Test func atTheLogEndMemoryAnswersWithNothingToRead() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try open(directory, flusher)
        #expect(try log.readRecent(from: 0, maxBytes: 1_000, minOneBatch: true)?.records == nil)
        #expect(try log.readRecent(from: 0, maxBytes: 1_000, minOneBatch: true)?.offsets.logEndOffset == 0)
        _ = try appendBatches(log, count: 3)
        let end = try log.offsets.logEndOffset
        let result = try #require(try log.readRecent(from: end, maxBytes: 1_000, minOneBatch: true))
        #expect(result.records == nil)
        #expect(result.nextOffset == end)
        #expect(result.offsets == (try log.offsets))
    }

    @Test func offsetsInsideABatchOrBeyondTheLogGoToTheFiles() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try open(directory, flusher)
        let firsts = try appendBatches(log, count: 3)
        #expect(firsts[1] == 1 && firsts[2] == 3)
        #expect(try log.readRecent(from: 2, maxBytes: 1_000, minOneBatch: true) == nil)  // second record of batch 1
        #expect(try log.readRecent(from: 100, maxBytes: 1_000, minOneBatch: true) == nil)  // past the log end
        #expect(try log.readRecent(from: 0, maxBytes: 10, minOneBatch: true) == nil)  // first batch larger than maxBytes
        let nothing = try #require(try log.readRecent(from: 0, maxBytes: 0, minOneBatch: false))
        #expect(nothing.records == nil)
    }

    @Test func onlyTheNewestAppendsAreKept() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try open(directory, flusher)
        let firsts = try appendBatches(log, count: RecentAppends.capacity + 5)
        #expect(try log.readRecent(from: firsts[4], maxBytes: 1_000_000, minOneBatch: true) == nil)
        let oldestKept = try #require(try log.readRecent(from: firsts[5], maxBytes: 1_000_000, minOneBatch: true))
        defer { try? oldestKept.closeFile() }
        #expect(oldestKept.nextOffset == (try log.offsets.logEndOffset))
    }

    @Test func aRollStartsAfreshInTheNewSegment() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try open(directory, flusher, segmentBytes: 400)
        let firsts = try appendBatches(log, count: 12)
        #expect(try log.segmentBaseOffsets.count > 2)
        let newest = try #require(firsts.last)
        let fromMemory = try #require(try log.readRecent(from: newest, maxBytes: 1_000, minOneBatch: true))
        let fromFile = try log.read(from: newest, maxBytes: 1_000, minOneBatch: true)
        defer { try? fromMemory.closeFile(); try? fromFile.closeFile() }
        #expect(try span(fromMemory)! == span(fromFile)!)
        // Batches of an earlier segment are read from the files.
        #expect(try log.readRecent(from: firsts[0], maxBytes: 1_000, minOneBatch: true) == nil)
    }

    @Test func truncationDeletionAndClosingForgetWhatMemoryKnew() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try open(directory, flusher)
        let firsts = try appendBatches(log, count: 6)

        _ = try log.truncate(to: firsts[4])
        #expect(try log.readRecent(from: firsts[3], maxBytes: 1_000, minOneBatch: true) == nil)
        #expect(try log.readRecent(from: firsts[4], maxBytes: 1_000, minOneBatch: true)?.offsets.logEndOffset == firsts[4])

        _ = try log.deleteRecords(before: firsts[2], now: 2_000)
        #expect(try log.readRecent(from: firsts[4], maxBytes: 1_000, minOneBatch: true)?.offsets.logStartOffset == firsts[2])
        #expect(try log.readRecent(from: firsts[0], maxBytes: 1_000, minOneBatch: true) == nil)

        try log.close()
        #expect(try log.readRecent(from: firsts[4], maxBytes: 1_000, minOneBatch: true) == nil)
    }

    @Test func bytesAreKeptOnlyForSmallAppendsAndUpToTheirBudget() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try open(directory, flusher, segmentBytes: 10_000_000)
        let big = try log.append(records: TestBatch(payloadBytes: RecentAppends.retainedAppendBytes + 1).bytes, leaderEpoch: 0, now: 0)
        let bigRead = try #require(try log.readRecent(from: big.firstOffset, maxBytes: 1_000_000, minOneBatch: true))
        defer { try? bigRead.closeFile() }
        #expect(!isInMemory(bigRead), "an append over the limit is served from the file")

        // More small appends than the per-partition budget holds: the newest are in memory, the
        // oldest still described come from the file, and both read exactly what the file holds.
        let batchBytes = 1_100
        #expect(RecentAppends.capacity * TestBatch(payloadBytes: batchBytes).size > RecentAppends.retainedBytesPerPartition)
        let count = RecentAppends.capacity + 10
        let firsts = try (0..<count).map { index in
            try log.append(records: TestBatch(payloadBytes: batchBytes, fill: UInt8(index % 256)).bytes, leaderEpoch: 0, now: 0).firstOffset
        }
        for (first, inMemory) in [(firsts[count - 1], true), (firsts[count - 50], true), (firsts[count - RecentAppends.capacity], false)] {
            let recent = try #require(try log.readRecent(from: first, maxBytes: 1_000_000, minOneBatch: true))
            let fromFile = try log.read(from: first, maxBytes: 1_000_000, minOneBatch: true)
            defer { try? recent.closeFile(); try? fromFile.closeFile() }
            #expect(isInMemory(recent) == inMemory, "read from \(first)")
            #expect(try span(recent)! == span(fromFile)!)
        }
    }
}
