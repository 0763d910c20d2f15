import KafkaProtocol
import NIOCore
import Testing

@testable import Broker

@Suite struct FetchSessionCacheTests {
    private func request(session: Int32, epoch: Int32, partitions: [(Int32, Int64)], forgotten: [Int32] = []) -> FetchRequest {
        FetchRequest(
            sessionId: session, sessionEpoch: epoch,
            topics: partitions.isEmpty ? [] : [.init(topic: "logs", partitions: partitions.map { .init(partition: PartitionIndex($0.0), fetchOffset: Offset($0.1), partitionMaxBytes: 1 << 20) })],
            forgottenTopicsData: forgotten.isEmpty ? [] : [.init(topic: "logs", partitions: forgotten.map(PartitionIndex.init))])
    }

    private func resolve(_ cache: FetchSessionCache, _ request: FetchRequest) throws -> FetchSessionCache.Resolution {
        guard case .resolved(let resolution) = cache.resolve(request, topicName: { $0.topic }) else {
            throw CancellationError()
        }
        return resolution
    }

    private func response(_ partitions: [(index: Int32, highWatermark: Int64, records: Int)]) -> FetchResponse {
        FetchResponse(responses: [.init(topic: "logs", partitions: partitions.map { partition in
            var bytes = ByteBuffer()
            bytes.writeRepeatingByte(1, count: partition.records)
            return .init(partitionIndex: PartitionIndex(partition.index), highWatermark: Offset(partition.highWatermark),
                         lastStableOffset: Offset(partition.highWatermark), logStartOffset: 0, records: .memory(bytes))
        })])
    }

    @Test func anIncrementalFetchReadsTheWholeSessionAndAnswersOnlyWhatChanged() throws {
        let cache = FetchSessionCache()
        let opened = try resolve(cache, request(session: 0, epoch: 0, partitions: [(0, 0), (1, 0), (2, 0)]))
        #expect(opened.sessionID != 0)
        var first = response([(0, 10, 0), (1, 10, 0), (2, 10, 0)])
        cache.finish(&first, for: opened)
        #expect(first.responses[0].partitions.count == 3, "the first answer of a session is full")

        // Only partition 1 moved; the session still reads all three.
        let next = try resolve(cache, request(session: opened.sessionID, epoch: 1, partitions: [(1, 10)]))
        #expect(next.isIncremental)
        #expect(next.topics.flatMap(\.partitions).map(\.partition.rawValue) == [0, 1, 2])
        #expect(next.topics.flatMap(\.partitions).map(\.fetchOffset.rawValue) == [0, 10, 0])

        // Partition 1 has records, partition 2's high watermark moved, partition 0 is unchanged.
        var second = response([(0, 10, 0), (1, 12, 64), (2, 11, 0)])
        cache.finish(&second, for: next)
        #expect(second.responses[0].partitions.map(\.partitionIndex.rawValue) == [1, 2])
    }

    @Test func forgottenPartitionsLeaveTheSession() throws {
        let cache = FetchSessionCache()
        let opened = try resolve(cache, request(session: 0, epoch: 0, partitions: [(0, 0), (1, 0)]))
        let next = try resolve(cache, request(session: opened.sessionID, epoch: 1, partitions: [], forgotten: [0]))
        #expect(next.topics.flatMap(\.partitions).map(\.partition.rawValue) == [1])
    }

    @Test func aWrongEpochOrUnknownSessionIsRefusedAsKafkaDoes() throws {
        let cache = FetchSessionCache()
        let opened = try resolve(cache, request(session: 0, epoch: 0, partitions: [(0, 0)]))
        guard case .rejected(let stale) = cache.resolve(request(session: opened.sessionID, epoch: 5, partitions: []), topicName: { $0.topic }) else {
            Issue.record("a skipped epoch was accepted")
            return
        }
        #expect(stale == .invalidFetchSessionEpoch)
        guard case .rejected(let unknown) = cache.resolve(request(session: 999, epoch: 1, partitions: []), topicName: { $0.topic }) else {
            Issue.record("an unknown session was accepted")
            return
        }
        #expect(unknown == .fetchSessionIDNotFound)
    }

    @Test func theLeastRecentlyUsedSessionIsEvictedWhenFull() throws {
        let cache = FetchSessionCache(capacity: 2)
        let first = try resolve(cache, request(session: 0, epoch: 0, partitions: [(0, 0)]))
        let second = try resolve(cache, request(session: 0, epoch: 0, partitions: [(0, 0)]))
        _ = try resolve(cache, request(session: second.sessionID, epoch: 1, partitions: []))
        _ = try resolve(cache, request(session: 0, epoch: 0, partitions: [(0, 0)]))
        #expect(cache.count == 2)
        guard case .rejected(.fetchSessionIDNotFound) = cache.resolve(request(session: first.sessionID, epoch: 1, partitions: []), topicName: { $0.topic }) else {
            Issue.record("the least recently used session survived")
            return
        }
    }
}
