import KafkaProtocol
import NIOCore
import Testing

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

    private func span(_ result: LogReadResult) -> (position: Int, end: Int, first: Offset?, next: Offset)? {
        result.region.map { ($0.readerIndex, $0.endIndex, result.firstOffset, result.nextOffset) }
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
            let memorySpan = try #require(span(fromMemory))
            let fileSpan = try #require(span(fromFile))
            #expect(memorySpan == fileSpan, "read from \(first) with maxBytes \(maxBytes)")
            #expect(fromMemory.offsets == fromFile.offsets)
        }
    }

    @Test func atTheLogEndMemoryAnswersWithNothingToRead() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try open(directory, flusher)
        #expect(try log.readRecent(from: 0, maxBytes: 1_000, minOneBatch: true)?.region == nil)
        #expect(try log.readRecent(from: 0, maxBytes: 1_000, minOneBatch: true)?.offsets.logEndOffset == 0)
        _ = try appendBatches(log, count: 3)
        let end = try log.offsets.logEndOffset
        let result = try #require(try log.readRecent(from: end, maxBytes: 1_000, minOneBatch: true))
        #expect(result.region == nil)
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
        #expect(nothing.region == nil)
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
        #expect(span(fromMemory)! == span(fromFile)!)
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
}
