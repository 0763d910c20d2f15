import KafkaProtocol
import NIOCore
import Testing

@testable import LogStorage

@Suite struct LeaderEpochTests {
    private func checkpointText(_ directory: TemporaryDirectory) throws -> String? {
        try FileSystem.readFile(FileSystem.join(directory.partitionDirectory(events0), "leader-epoch-checkpoint")).map { String(buffer: $0) }
    }

    @Test func epochStartsArePersistedInKafkasFormatAndAnswerOffsetsForLeaderEpoch() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        do {
            let log = try PartitionLog.openForTest(directory, flusher: flusher)
            for epoch: LeaderEpoch in [1, 1, 2, 5] { _ = try log.append(records: TestBatch(records: 2).bytes, leaderEpoch: epoch, now: 0) }
            #expect(try checkpointText(directory) == "0\n3\n1 0\n2 4\n5 6\n")
        }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        #expect(try log.latestLeaderEpoch == 5)
        #expect(try log.endOffset(forLeaderEpoch: 0) == (0, 0))
        #expect(try log.endOffset(forLeaderEpoch: 1) == (1, 4))
        #expect(try log.endOffset(forLeaderEpoch: 3) == (2, 6))
        #expect(try log.endOffset(forLeaderEpoch: 5) == (5, 8))
        #expect(try log.endOffset(forLeaderEpoch: 6) == (-1, -1))
    }

    @Test func aLostCheckpointIsRebuiltFromTheBatchesRecoveryScans() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        do {
            let log = try PartitionLog.openForTest(directory, flusher: flusher)
            for epoch: LeaderEpoch in [0, 3, 3, 4] { _ = try log.append(records: TestBatch().bytes, leaderEpoch: epoch, now: 0) }
        }
        try FileSystem.removeFile(FileSystem.join(directory.partitionDirectory(events0), "leader-epoch-checkpoint"))
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        #expect(try checkpointText(directory) == "0\n3\n0 0\n3 1\n4 3\n")
        #expect(try log.truncate(to: 2) == 2)
        #expect(try checkpointText(directory) == "0\n2\n0 0\n3 1\n")
    }

    @Test func cacheRules() {
        var cache = LeaderEpochCache()
        let changes = [
            cache.assign(epoch: 2, startOffset: 10), cache.assign(epoch: 2, startOffset: 15),
            cache.assign(epoch: -1, startOffset: 20), cache.assign(epoch: 4, startOffset: 20),
            cache.assign(epoch: 3, startOffset: 18),
        ]
        #expect(changes == [true, false, false, true, true])
        #expect(cache.entries == [.init(epoch: 2, startOffset: 10), .init(epoch: 3, startOffset: 18)])
        let trimmed = cache.truncateFromStart(12)
        #expect(trimmed)
        #expect(cache.entries == [.init(epoch: 2, startOffset: 12), .init(epoch: 3, startOffset: 18)])
        #expect(LeaderEpochCache.parse(cache.serialized()) == cache)
        #expect(LeaderEpochCache.parse(ByteBuffer(string: "0\n2\n3 5\n2 9\n")) == nil)
    }
}
